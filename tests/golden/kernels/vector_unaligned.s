; vector_unaligned.s — vector work on tiles at addresses that are not
; multiples of any preset's bank width, with odd shapes (partial lane groups),
; a DMA of an odd byte count beside it, and a FENCE that drains the queues.
.buffer X, fp32, 37, 45
.buffer Y, fp32, 37, 45
.buffer Z, bf16, 37, 45
    DMA_LD spm:0x1004, X[0, 0], 37, 45, fp32
    DMA_LD spm:0x3f0c, X[1, 3], 29, 41, fp32
    VEXP spm:0x6004, spm:0x1004, 37, 45
    VADD spm:0x8a14, spm:0x6004, spm:0x1004, 37, 45
    VRMAX spm:0xb004, spm:0x8a14, 37, 45
    VRSUM spm:0xb104, spm:0x6004, 37, 45
    VBSUB acc:0x14, spm:0x8a14, spm:0xb004, 37, 45
    VRSQRT acc:0x1a24, acc:0x14, 37, 45
    VRCP acc:0x3434, acc:0x14, 37, 45
    VSCALE spm:0xc004, acc:0x3434, 37, 45, 0.3
    VCVT spm:0xe002, spm:0xc004, 37, 45, bf16, fp32, nearest-even
    FENCE
    VMUL spm:0x1004, spm:0x6004, spm:0x8a14, 37, 45
    VFILL spm:0x6004, 37, 45, 1.5
    VMAX spm:0x8a14, spm:0x6004, spm:0x1004, 37, 45
    VBMUL spm:0x1004, spm:0x8a14, spm:0xb104, 37, 45
    DMA_ST Y[0, 0], spm:0x1004, 37, 45, fp32
    DMA_ST Z[0, 0], spm:0xe002, 37, 45, bf16
    HALT
