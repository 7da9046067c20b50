; mx_gemm.s — a tiled OCP MX GEMM: C[64 x 64] = A[64 x 256] * W[64 x 256]^T with
; MXFP8 operands (fp8_e4m3 elements, one E8M0 scale per 32 along K) as stored by
; a quantiser: codes and scales in separate DRAM buffers, W in nn.Linear layout
; [N, K]. Outputs are 32 x 32 tiles; each tile multiplies over the whole K in one
; MMA_MX with exact accumulation, so C must equal the correctly rounded float32 of
; every exact sum (computed independently by tools/gen_examples.c).
;
; The W tiles are double-buffered (by the parity of ni) so that the DMA of the
; next tile can overlap the multiplication of the current one, and the two
; accumulator tiles alternate the same way.

.equ M, 64
.equ N, 64
.equ K, 256
.equ TM, 32
.equ TN, 32

.buffer A,  fp8_e4m3fn, M, K
.buffer SA, e8m0fnu,    M, K/32
.buffer W,  fp8_e4m3fn, N, K
.buffer SW, e8m0fnu,    N, K/32
.buffer C,  fp32,       M, N
.data A,  hex "A.hex"
.data SA, hex "SA.hex"
.data W,  hex "W.hex"
.data SW, hex "SW.hex"
.expect C, hex "C.hex", bitexact

; scratchpad: A tile 0x0000-0x1fff, its scales 0x2000-0x20ff,
; W tile p at 0x4000 + p*0x2400 (8 KiB), its scales at 0x6000 + p*0x2400
.spm 0x10000
.acc 0x2000

.for mi = 0, M/TM
    DMA_LD spm:0x0000, A[mi*TM, 0], TM, K, fp8_e4m3fn
    DMA_LD spm:0x2000, SA[mi*TM, 0], TM, K/32, e8m0fnu
    .for ni = 0, N/TN
        DMA_LD spm:0x4000 + (ni%2)*0x2400, W[ni*TN, 0], TN, K, fp8_e4m3fn
        DMA_LD spm:0x6000 + (ni%2)*0x2400, SW[ni*TN, 0], TN, K/32, e8m0fnu
        MMA_MX acc:(ni%2)*0x1000, spm:0x0000, spm:0x2000, spm:0x4000 + (ni%2)*0x2400, spm:0x6000 + (ni%2)*0x2400, TM, TN, K, fp8_e4m3, fp8_e4m3, exact, set
        DMA_ST C[mi*TM, ni*TN], acc:(ni%2)*0x1000, TM, TN, fp32
    .endfor
.endfor
    HALT
