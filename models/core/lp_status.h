/*
** lp_status.h — status codes shared by every lpsim library.
** Library functions return an lp_status and, where a user can act on the
** problem, fill a diagnostic (lp_diag.h). Only main() turns a status into an
** exit code. The codes are declared once, in lp_status.def.
*/
#ifndef LP_STATUS_H
#define LP_STATUS_H

typedef enum lp_status {
#define LP_STATUS(name, text) name,
#include "lp_status.def"
#undef LP_STATUS
    LP_STATUS_COUNT
} lp_status;

/* Short English text of a status ("invalid argument"); never NULL. */
const char *lp_status_text(lp_status st);

/* Symbolic name of a status ("LP_ERR_ARG"); never NULL. */
const char *lp_status_name(lp_status st);

#endif
