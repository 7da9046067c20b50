; gemv_bf16.s — y = W x, W streamed through three scratchpad buffers: bound by
; DRAM bandwidth; many DMA instructions in flight fill the unit queues.
.equ N, 2048
.equ K, 1024
.equ T, 32
.buffer W, bf16, N, K
.buffer X, bf16, K, 1
.buffer Y, fp32, N, 1
    DMA_LD spm:0x30000, X[0, 0], K, 1, bf16
.for t = 0, N/T
    DMA_LD spm:(t%3)*0x10000, W[t*T, 0], T, K, bf16
    MMA acc:t*T*4, spm:(t%3)*0x10000, spm:0x30000, T, 1, K, bf16, bf16, h100-bf16, set
.endfor
    DMA_ST Y[0, 0], acc:0, N, 1, fp32
    HALT
