; maxulp 1e300 lets every element pass (it once failed them all through an int64 cast).
.buffer X, fp32, 1, 2
.data X, inline
3f800000 00000000
.enddata
.expect X, inline, maxulp 1e300
40000000 ff800000
.enddata
