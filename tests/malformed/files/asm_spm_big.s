; .spm and .acc larger than edge-mx's (512 KiB, 64 KiB): the assembler takes the
; tiles; the simulator refuses them at the instruction's line.
.buffer A, fp32, 64, 64
.spm 0x800000
.acc 0x800000
    NOP
    DMA_LD spm:0x100000, A, 64, 64, fp32
