; .acc larger than edge-mx's 64 KiB: a VFILL past the chip's accumulators is
; refused at its line, in timing-only runs too.
.acc 0x800000
    NOP
  VFILL acc:0x100000, 64, 64, 0
