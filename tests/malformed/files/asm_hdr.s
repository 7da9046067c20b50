; Header of the one-line cases: buffers on lines 2-4; a case appends line 5.
.buffer A, bf16, 16, 16
.buffer C, fp32, 16, 16
.buffer F, fp6_e2m3fn, 1, 4
