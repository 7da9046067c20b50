; pim_gemv.s — a GEMV in SRAM processing-in-memory: y[256] = W[256 x 512] x[512]
; with int4 weights held in the PIM arrays as bit planes and int8 activations,
; LUT-based (T-MAC/SAIL style). Integer arithmetic: y is exact, compared bit
; for bit with tools/gen_examples.c.

.equ R, 256
.equ C, 512

.buffer W, int4, R, C
.buffer X, int8, C, 1
.buffer Y, fp32, R, 1
.data W, hex "W.hex"
.data X, hex "X.hex"
.expect Y, hex "Y.hex", bitexact

    PIM_LD pim:0, W[0, 0], R, C, int4, 4
    DMA_LD spm:0x0000, X[0, 0], C, 1, int8
    PIM_GEMV spm:0x1000, pim:0, spm:0x0000, R, C, int8, 8, 4, lut
    DMA_ST Y[0, 0], spm:0x1000, R, 1, fp32
    HALT
