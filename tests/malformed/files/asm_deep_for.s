; 16 nested .for loops (the limit) of 2^63 - 1 iterations, empty bodies: the
; expansion limit (2^26 lines and iterations) stops them.
.for i0 = 0, 0x7fffffffffffffff
.for i1 = 0, 0x7fffffffffffffff
.for i2 = 0, 0x7fffffffffffffff
.for i3 = 0, 0x7fffffffffffffff
.for i4 = 0, 0x7fffffffffffffff
.for i5 = 0, 0x7fffffffffffffff
.for i6 = 0, 0x7fffffffffffffff
.for i7 = 0, 0x7fffffffffffffff
.for i8 = 0, 0x7fffffffffffffff
.for i9 = 0, 0x7fffffffffffffff
.for i10 = 0, 0x7fffffffffffffff
.for i11 = 0, 0x7fffffffffffffff
.for i12 = 0, 0x7fffffffffffffff
.for i13 = 0, 0x7fffffffffffffff
.for i14 = 0, 0x7fffffffffffffff
.for i15 = 0, 0x7fffffffffffffff
; nothing
.endfor
.endfor
.endfor
.endfor
.endfor
.endfor
.endfor
.endfor
.endfor
.endfor
.endfor
.endfor
.endfor
.endfor
.endfor
.endfor
