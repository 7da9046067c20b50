; flash_attention.s — one block of flash attention: O = softmax(Q K^T / sqrt(64)) V
; for 32 queries against 128 keys and values (head dimension 64, bf16 inputs),
; walking the keys in tiles of 32 with a running row maximum m, a running row
; sum l and a rescaled output accumulator, as FlashAttention does. K is stored
; transposed (Kt[64 x 128]) so that S = Q Kt is a plain MMA.
;
; Scores and the output accumulate in float32 (h100-bf16); the probabilities are
; rounded to bf16 for the second MMA. The expected O is float64 attention on the
; same bf16 inputs (tools/gen_examples.c), compared normwise to 1e-2.

.equ D, 64          ; head dimension
.equ T, 32          ; keys per tile
.equ NKV, 128       ; keys

.buffer Q,  bf16, 32, D
.buffer Kt, bf16, D, NKV
.buffer V,  bf16, NKV, D
.buffer O,  fp32, 32, D
.data Q,  hex "Q.hex"
.data Kt, hex "Kt.hex"
.data V,  hex "V.hex"
.expect O, hex "O.hex", relerr 0.01

; scratchpad: Q 0x0000; Kt tile p at 0x1000 + p*0x1000; V tile p at 0x3000 + p*0x1000;
; P (bf16) 0x5000; row vectors m 0x5800, m_new 0x5880, alpha 0x5900, l 0x5980,
; row sums 0x5a00, tile row max 0x5a80. Accumulators: S 0x0000, O 0x1000.
.equ m, 0x5800
.equ mnew, 0x5880
.equ alpha, 0x5900
.equ l, 0x5980
.equ rsum, 0x5a00
.equ tmax, 0x5a80
.spm 0x6000
.acc 0x3000

    DMA_LD spm:0x0000, Q[0, 0], 32, D, bf16
    VFILL spm:m, 32, 1, -inf
    VFILL spm:l, 32, 1, 0
    VFILL acc:0x1000, 32, D, 0
.for j = 0, NKV/T
    DMA_LD spm:0x1000 + (j%2)*0x1000, Kt[0, j*T], D, T, bf16
    DMA_LD spm:0x3000 + (j%2)*0x1000, V[j*T, 0], T, D, bf16
    MMA acc:0x0, spm:0x0000, spm:0x1000 + (j%2)*0x1000, 32, T, D, bf16, bf16, h100-bf16, set
    VSCALE acc:0x0, acc:0x0, 32, T, 0.125
    VRMAX spm:tmax, acc:0x0, 32, T
    VMAX spm:mnew, spm:m, spm:tmax, 32, 1
    VSUB spm:alpha, spm:m, spm:mnew, 32, 1
    VEXP spm:alpha, spm:alpha, 32, 1
    VBSUB acc:0x0, acc:0x0, spm:mnew, 32, T
    VEXP acc:0x0, acc:0x0, 32, T
    VRSUM spm:rsum, acc:0x0, 32, T
    VMUL spm:l, spm:l, spm:alpha, 32, 1
    VADD spm:l, spm:l, spm:rsum, 32, 1
    VBMUL acc:0x1000, acc:0x1000, spm:alpha, 32, D
    VCVT spm:0x5000, acc:0x0, 32, T, bf16, fp32, nearest-even
    MMA acc:0x1000, spm:0x5000, spm:0x3000 + (j%2)*0x1000, 32, D, T, bf16, bf16, h100-bf16, acc
    VSCALE spm:m, spm:mnew, 32, 1, 1
.endfor
    VRCP spm:alpha, spm:l, 32, 1
    VBMUL acc:0x1000, acc:0x1000, spm:alpha, 32, D
    DMA_ST O[0, 0], acc:0x1000, 32, D, fp32
    HALT
