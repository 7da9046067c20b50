/*
** pim.h — SRAM processing-in-memory arrays (unit kind pim). Today only the
** functional face exists (pim_func.c): weights placed into arrays by index,
** GEMV computed in exact integer arithmetic for integer operands (LUT-based
** and bit-serial give the same values), conversion of the held weights. Its
** timing and cost faces (bit-serial step counts, LUT lookups, array geometry,
** the host interface) are the PIM unit's own issue; until then architecture
** files cannot declare a pim unit, and the simulator refuses PIM instructions.
*/
#ifndef LP_PIM_H
#define LP_PIM_H

#include "units.h"

extern const unit_faces pim_faces;

#endif
