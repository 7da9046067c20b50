/* lp_status.c — names and texts of the status codes, expanded from lp_status.def. */
#include "lp_status.h"

static const char *const status_names[] = {
#define LP_STATUS(name, text) #name,
#include "lp_status.def"
#undef LP_STATUS
};

static const char *const status_texts[] = {
#define LP_STATUS(name, text) text,
#include "lp_status.def"
#undef LP_STATUS
};

const char *lp_status_name(lp_status st)
{
    if ((unsigned)st >= LP_STATUS_COUNT) return "LP_STATUS_UNKNOWN";
    return status_names[st];
}

const char *lp_status_text(lp_status st)
{
    if ((unsigned)st >= LP_STATUS_COUNT) return "unknown status";
    return status_texts[st];
}
