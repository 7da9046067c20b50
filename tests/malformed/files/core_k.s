; A small kernel for the catalogue: Y = X copied through the scratchpad.
.buffer X, fp32, 1, 4
.buffer Y, fp32, 1, 4
.data X, inline
3f800000 40000000 40400000 40800000
.enddata
.expect Y, inline, bitexact
3f800000 40000000 40400000 40800000
.enddata
    DMA_LD spm:0, X[0, 0], 1, 4, fp32
    DMA_ST Y[0, 0], spm:0, 1, 4, fp32
