; .spm smaller than a tile the kernel loads: the assembler's tile check, at the operand.
.buffer A, fp32, 64, 64
.spm 1024
    DMA_LD spm:0, A, 64, 64, fp32
