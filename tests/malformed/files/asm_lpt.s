; A program for damaged-.lpt cases. Layout of its .lpt: header 0-63, buffer
; records F at 64 and T at 128, expectation records (T) at 192 and (F) at 224,
; data from 256: F's contents 256-259, T's expected 260-261, F's expected 262-265.
.buffer F, fp6_e2m3fn, 1, 4
.buffer T, int4, 1, 2
.data F, inline
00 3f 01 02
.enddata
.expect T, inline
0f 07
.enddata
.expect F, inline, maxulp 2
00 01 02 03
.enddata
