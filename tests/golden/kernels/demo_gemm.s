; demo_gemm.s — the tiled FP8 GEMM of `lpsim demo`: A streamed in 32-row tiles
; through two scratchpad buffers, B resident, C written tile by tile.
.buffer A, fp8_e4m3fn, 256, 2048
.buffer B, fp8_e4m3fn, 2048, 32
.buffer C, fp32, 256, 32
    DMA_LD spm:0x40000, B[0, 0], 2048, 32, fp8_e4m3fn
.for t = 0, 8
    DMA_LD spm:(t%2)*0x10000, A[t*32, 0], 32, 2048, fp8_e4m3fn
    MMA acc:(t%2)*0x1000, spm:(t%2)*0x10000, spm:0x40000, 32, 32, 2048, fp8_e4m3fn, fp8_e4m3fn, b200-mx, set
    DMA_ST C[t*32, 0], acc:(t%2)*0x1000, 32, 32, fp32
.endfor
    HALT
