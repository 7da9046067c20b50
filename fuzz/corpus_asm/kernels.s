; A program with kernels for damaged-.lpt (version 3) cases. Layout of its .lpt: header 0-63
; (kernel count at 48, section count at 52), 4 instructions 64-191, buffer A 192-255, kernel
; records a at 256 (first section at 288, count 292) and b at 296 (328, 332), section records
; at 336, 360, 384 and 408 (kernel +0, core +4, first instruction +8, instruction count +16):
; a: core 0 [0,1), core 1 [1,3); b: core 2 [3,4), core 5 empty.
.buffer A, bf16, 4, 4
.kernel a
    NOP
.core 1
    NOP
    NOP
.kernel b
.core 2
    NOP
.core 5
