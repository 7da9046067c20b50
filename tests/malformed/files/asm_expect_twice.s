; Two expectations for one buffer: the second is refused, naming the first's line.
.buffer Y, fp32, 1, 2
.buffer Z, fp32, 1, 2
.expect Y, inline
3f800000 40000000
.enddata
.expect Y, inline, relerr 0.1
3f800000 40000000
.enddata
