/*
** pim_cost.c — the PIM arrays' cost face: the events the timing face counts
** (row reads, row writes, logic steps, each in one array) times their
** energies, plus static power over the operation's cycles (PIMeval's model,
** FACTS D.4, with its per-lane logic energy folded into e_logic_pj per
** array). The host interface's bytes cost at the memories that send them.
*/
#include "pim.h"

double pim_energy_pj(const arch_cfg *chip, const void *cfg, const unit_op *op, const unit_timing *t)
{
    const pim_cfg *c = cfg;
    pim_events ev;
    lp_diag d;
    lp_diag_init(&d, NULL);
    if (pim_events_of(chip, c, op, &ev, &d)) return 0;
    return ev.reads * c->e_read_pj + ev.writes * c->e_write_pj + ev.logic * c->e_logic_pj +
           c->static_w * (double)t->cycles / chip->clock_ghz * 1e3; /* W x ns = 1e3 pJ */
}
