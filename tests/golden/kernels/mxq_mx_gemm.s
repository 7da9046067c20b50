; mxq_mx_gemm.s — quantise float32 tiles to MX on the vector unit, multiply
; them with MMA_MX (FP6 and FP4 elements, stored packed), dequantise the result
; tile back; k not a multiple of the array's natural pass.
.buffer A, fp32, 64, 96
.buffer B, fp32, 48, 96
.buffer C, fp32, 64, 48
    DMA_LD acc:0x0, A[0, 0], 64, 96, fp32
    DMA_LD acc:0x6000, B[0, 0], 48, 96, fp32
    MXQ spm:0x0, spm:0x2000, acc:0x0, 64, 96, fp6_e2m3, nearest-even
    MXQ spm:0x3000, spm:0x5000, acc:0x6000, 48, 96, fp4_e2m1, half-away
    MMA_MX acc:0xa000, spm:0x0, spm:0x2000, spm:0x3000, spm:0x5000, 64, 48, 96, fp6_e2m3, fp4_e2m1, b200-mx, set
    MXQ spm:0x6000, spm:0x8000, acc:0xa000, 64, 32, fp8_e5m2, nearest-even
    MXDQ acc:0x0, spm:0x6000, spm:0x8000, 64, 32, fp8_e5m2
    DMA_ST C[0, 0], acc:0xa000, 64, 48, fp32
    HALT
