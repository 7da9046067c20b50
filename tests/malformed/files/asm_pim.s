; A PIM instruction on a chip without a PIM unit: refused at its line.
.buffer W, int8, 16, 16
    NOP
  PIM_LD pim:0, W, 16, 16, int8, 8
