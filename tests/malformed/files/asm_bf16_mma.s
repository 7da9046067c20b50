; A bf16 MMA, for a chip without a matrix unit.
.buffer A, bf16, 16, 16
    DMA_LD spm:0, A, 16, 16, bf16
.for i = 0, 2
        MMA acc:0, spm:0, spm:0, 16, 16, 16, bf16, bf16, exact, set
.endfor
