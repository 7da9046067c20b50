; An MMA in a format edge-mx's tensor core does not run (fp16): refused at the MMA's line.
.buffer A, fp16, 16, 16
    DMA_LD spm:0, A, 16, 16, fp16
    VFILL acc:0, 16, 16, 0
    MMA acc:0, spm:0, spm:0, 16, 16, 16, fp16, fp16, exact, set
