/*
** system.cpp — the SystemC system (see system.h). Glue only: cycles come from
** models/timing.c, values from sim/machine.c; this file composes them in time.
*/
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include "mx.h"
#include "system.h"
#include "timing.h"
}

using namespace sc_core;

/* libsystemc's own main() calls sc_main; lpsim has its main and elaborates
** from lp_sim_run, so this is never called. */
int sc_main(int, char *[]) { return 0; }

namespace
{

struct Job {
    struct Dep {
        size_t index; /* an earlier unfinished instruction it conflicts with */
        int unit;
    };
    std::vector<Dep> deps;
    size_t index = 0;
    isa_insn in{};
    isa_range r[ISA_MAX_RANGES];
    int nr = 0;
    int unit = 0;            /* LP_SIM_* */
    uint64_t cycles = 0;     /* compute units: busy cycles */
    uint64_t dram_bytes = 0; /* DMA: bytes moved */
    bool finished = false;
    sc_time issue, start, end;
};

struct Shared {
    const isa_prog *prog;
    const arch_cfg *arch;
    machine *m;
    sc_time period;
    sc_event any_done;
    lp_sim_stats *st;
    std::string error;
    std::vector<uint8_t> done; /* by instruction index: finished (jobs are freed once retired) */
};

/* DRAM: a TLM target whose channel is reserved burst by burst, so that
** engines working at once share its bandwidth. */
struct Dram : sc_module {
    tlm_utils::multi_passthrough_target_socket<Dram> socket; /* one binding per DMA engine */
    double ns_per_byte;
    sc_time free_at = SC_ZERO_TIME;
    uint64_t bytes = 0;

    Dram(sc_module_name n, double bw_gbps) : sc_module(n), socket("socket"), ns_per_byte(1.0 / bw_gbps)
    {
        socket.register_b_transport(this, &Dram::b_transport);
    }

    void b_transport(int, tlm::tlm_generic_payload &t, sc_time &delay)
    {
        sc_time now = sc_time_stamp() + delay;
        sc_time start = std::max(now, free_at);
        free_at = start + sc_time(t.get_data_length() * ns_per_byte, SC_NS);
        delay = free_at - sc_time_stamp();
        bytes += t.get_data_length();
        t.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

/* A scratchpad or accumulator buffer: a TLM target of banks interleaved every
** bank_bytes. An access occupies each bank it touches for one cycle per chunk
** (per `ports` chunks with several ports),
** after the work already queued on that bank, so DMA engines and units
** contending for the same banks wait for each other, and a unit whose
** operands outrun the banks runs at the buffer's rate. */
struct Sram : sc_module {
    tlm_utils::multi_passthrough_target_socket<Sram> socket;
    uint64_t banks, bank_bytes, ports, period; /* period in time ticks: the bank state is integer */
    std::vector<uint64_t> free_at;

    Sram(sc_module_name n, const arch_mem &m, sc_time p)
        : sc_module(n), socket("socket"), banks(m.banks), bank_bytes(m.bank_bytes), ports(m.ports), period(p.value()),
          free_at(m.banks)
    {
        socket.register_b_transport(this, &Sram::b_transport);
    }

    void b_transport(int, tlm::tlm_generic_payload &t, sc_time &delay)
    {
        uint64_t a = t.get_address(), len = t.get_data_length(), t0 = sc_time_stamp().value();
        uint64_t now = t0 + delay.value(), end = now;
        if (len) {
            uint64_t c0 = a / bank_bytes, n = (a + len - 1) / bank_bytes - c0 + 1;
            uint64_t touched = std::min(n, banks), base = n / banks, extra = n % banks;
            for (uint64_t i = 0, b = c0 % banks; i < touched; i++, b = b + 1 == banks ? 0 : b + 1) {
                /* chunks go round robin from c0's bank */
                uint64_t chunks = base + (i < extra ? 1 : 0);
                free_at[b] = std::max(now, free_at[b]) + period * ((chunks + ports - 1) / ports);
                end = std::max(end, free_at[b]);
            }
        }
        delay = sc_time::from_value(end - t0);
        t.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

/* Access a buffer range through socket s with payload t (reused: building
** one allocates); returns when the access completes. */
template <typename S> sc_time buffer_access(S &s, tlm::tlm_generic_payload &t, bool write, uint64_t addr, uint64_t len)
{
    static unsigned char dummy[1];
    t.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    t.set_address(addr);
    t.set_data_ptr(dummy); /* timing only: the functional machine moves the values */
    t.set_data_length((unsigned)len);
    sc_time d = SC_ZERO_TIME;
    s->b_transport(t, d);
    return d;
}

/* Bits per element of range r of a job as the hardware stores it: elements
** narrower than their byte (FP4, FP6, int4) are packed, while the functional
** layout keeps one per byte; 8 where bytes are stored as they are. */
int range_bits(const Job *j, int r)
{
    static int mx_bits[MX_ELEM_COUNT]; /* mx_elem_get builds a value table: once per type */
    const isa_info *info = isa_get(j->in.op);
    int k = -1;
    for (int i = 0, seen = 0; i < info->nops && k < 0; i++) /* ranges come in operand order */
        if (info->ops[i].has_foot && info->ops[i].kind != ISA_K_PIM && seen++ == r) k = i;
    if (k < 0 || info->ops[k].foot.type_op < 0) return 8;
    int t = info->ops[k].foot.type_op;
    if (info->ops[t].kind == ISA_K_MX) {
        mx_elem_id id = (mx_elem_id)j->in.v[t];
        if (!mx_bits[id]) {
            mx_elem e;
            mx_elem_get(id, &e);
            mx_bits[id] = e.fmt.bits;
        }
        return mx_bits[id];
    }
    mf_format f;
    if (isa_fmt_decode((uint32_t)j->in.v[t], &f) != LP_OK || f.bits > 8) return 8;
    return f.bits;
}

uint64_t packed(uint64_t bytes, int bits) { return (bytes * (uint64_t)bits + 7) / 8; }

/* A unit: takes jobs from its queue one at a time. */
struct Unit : sc_module {
    Shared &sh;
    int kind;
    sc_fifo<Job *> queue;
    std::unique_ptr<tlm_utils::simple_initiator_socket<Unit>> socket; /* DMA engines only: others stay unbound */
    tlm_utils::simple_initiator_socket<Unit> spm, acc;                /* every unit reaches both buffers */
    std::vector<unsigned char> burst_buf;
    tlm::tlm_generic_payload pl; /* one payload for every transaction of this unit */

    SC_HAS_PROCESS(Unit);
    Unit(sc_module_name n, Shared &s, int k, int depth)
        : sc_module(n), sh(s), kind(k), queue("queue", depth), spm("spm"), acc("acc")
    {
        if (kind == LP_SIM_DMA) socket = std::make_unique<tlm_utils::simple_initiator_socket<Unit>>("socket");
        SC_THREAD(run);
    }

    void finish(Job *j)
    {
        if (sh.m && sh.error.empty()) {
            char err[300];
            if (machine_step(sh.m, j->index, err, sizeof err) != LP_OK)
                sh.error = "instruction " + std::to_string(j->index) + ": " + err;
        }
        j->end = sc_time_stamp();
        j->finished = true;
        sh.done[j->index] = 1;
        sh.st->busy_cycles[kind] += (uint64_t)llround((j->end - j->start) / sh.period);
        sh.any_done.notify(SC_ZERO_TIME);
    }

    /* Wait until every instruction this one depends on has finished. */
    void wait_deps(Job *j)
    {
        sc_time t0 = sc_time_stamp();
        const Job::Dep *last = nullptr;
        for (;;) {
            const Job::Dep *blocker = nullptr;
            for (const Job::Dep &d : j->deps)
                if (!sh.done[d.index]) blocker = &d;
            if (!blocker) break;
            last = blocker;
            wait(sh.any_done);
        }
        if (last) {
            uint64_t c = (uint64_t)llround((sc_time_stamp() - t0) / sh.period);
            (last->unit == LP_SIM_DMA ? sh.st->stall_dep_dma : sh.st->stall_dep_compute) += c;
        }
        j->deps.clear();
    }

    void run()
    {
        for (;;) {
            Job *j = queue.read();
            wait_deps(j);
            j->start = sc_time_stamp();
            int bits[ISA_MAX_RANGES];
            for (int r = 0; r < j->nr; r++) bits[r] = range_bits(j, r);
            if (kind == LP_SIM_DMA) {
                const arch_cfg *a = sh.arch;
                wait(sh.period * (double)llround(std::ceil(a->dram.lat_ns * a->clock_ghz - 1e-9)));
                burst_buf.resize(a->dma.burst_bytes);
                /* the tile lands in (or leaves) the buffer's banks as the bursts go:
                ** one bank access per group of bursts, the group waiting for it */
                const uint64_t GROUP = 16 * a->dma.burst_bytes;
                sc_time group_done = SC_ZERO_TIME;
                for (uint64_t off = 0; off < j->dram_bytes; off += a->dma.burst_bytes) {
                    if (off % GROUP == 0) {
                        if (group_done > sc_time_stamp()) wait(group_done - sc_time_stamp());
                        group_done = sc_time_stamp();
                        uint64_t glen = std::min(GROUP, j->dram_bytes - off);
                        for (int r = 0; r < j->nr; r++) {
                            const isa_range &x = j->r[r];
                            if (x.space != ISA_SPACE_SPM && x.space != ISA_SPACE_ACC) continue;
                            auto &s = x.space == ISA_SPACE_SPM ? spm : acc;
                            uint64_t at = x.addr + packed(off, bits[r]);
                            group_done = std::max(
                                group_done, sc_time_stamp() + buffer_access(s, pl, x.write, at, packed(glen, bits[r])));
                        }
                    }
                    uint64_t len = std::min<uint64_t>(a->dma.burst_bytes, j->dram_bytes - off);
                    pl.set_command(tlm::TLM_READ_COMMAND);
                    pl.set_address(0);
                    pl.set_data_ptr(burst_buf.data());
                    pl.set_data_length((unsigned)len);
                    sc_time d = SC_ZERO_TIME;
                    (*socket)->b_transport(pl, d);
                    sc_time engine = sh.period * (double)((len + a->dma.bytes_per_cycle - 1) / a->dma.bytes_per_cycle);
                    wait(std::max(d, engine));
                }
                if (group_done > sc_time_stamp()) wait(group_done - sc_time_stamp());
            } else {
                /* operands stream through the buffers while the unit computes: in
                ** SLICES steps, each a share of every tile and of the cycles; a step
                ** takes the longer of the two, so a unit starved by bank conflicts
                ** slows down and one that is not keeps its compute time */
                const int SLICES = 8;
                sc_time compute = sh.period * (double)j->cycles / SLICES;
                for (int sl = 0; sl < SLICES; sl++) {
                    sc_time mem = SC_ZERO_TIME;
                    for (int r = 0; r < j->nr; r++) {
                        const isa_range &x = j->r[r];
                        if (x.space != ISA_SPACE_SPM && x.space != ISA_SPACE_ACC) continue;
                        auto &s = x.space == ISA_SPACE_SPM ? spm : acc;
                        uint64_t len = packed((x.rows - 1) * x.pitch + x.row_bytes, bits[r]);
                        uint64_t lo = len * (uint64_t)sl / SLICES, hi = len * (uint64_t)(sl + 1) / SLICES;
                        if (hi == lo) continue;
                        if (x.read) mem = std::max(mem, buffer_access(s, pl, false, x.addr + lo, hi - lo));
                        if (x.write) mem = std::max(mem, buffer_access(s, pl, true, x.addr + lo, hi - lo));
                    }
                    wait(std::max(mem, compute));
                }
            }
            finish(j);
        }
    }
};

bool ranges_conflict(const Job &a, const Job &b)
{
    for (int i = 0; i < a.nr; i++)
        for (int k = 0; k < b.nr; k++) {
            const isa_range &x = a.r[i], &y = b.r[k];
            if (x.space != y.space || !(x.write || y.write)) continue;
            uint64_t xe = x.addr + (x.rows - 1) * x.pitch + x.row_bytes,
                     ye = y.addr + (y.rows - 1) * y.pitch + y.row_bytes;
            if (x.addr < ye && y.addr < xe) return true;
        }
    return false;
}

struct Controller : sc_module {
    Shared &sh;
    std::vector<Unit *> dma;
    Unit *matrix, *vector;
    FILE *trace;
    std::deque<std::unique_ptr<Job>> in_flight;

    SC_HAS_PROCESS(Controller);
    Controller(sc_module_name n, Shared &s, std::vector<Unit *> d, Unit *mx, Unit *vx, FILE *t)
        : sc_module(n), sh(s), dma(std::move(d)), matrix(mx), vector(vx), trace(t)
    {
        SC_THREAD(run);
    }

    uint64_t cyc(const sc_time &t) const { return (uint64_t)llround(t / sh.period); }

    void retire()
    {
        while (!in_flight.empty() && in_flight.front()->finished) {
            Job *j = in_flight.front().get();
            if (trace)
                fprintf(trace, "%zu,%s,%s,%llu,%llu,%llu\n", j->index, isa_get(j->in.op)->mnemonic,
                        lp_sim_unit_names[j->unit], (unsigned long long)cyc(j->issue),
                        (unsigned long long)cyc(j->start), (unsigned long long)cyc(j->end));
            in_flight.pop_front();
        }
    }

    void drain()
    {
        for (;;) {
            bool all = true;
            for (auto &j : in_flight) all = all && j->finished;
            if (all) break;
            wait(sh.any_done);
        }
        retire();
    }

    /* Cycles and kind of work of a compute instruction; false with sh.error set. */
    bool cost(Job &j)
    {
        const isa_insn &in = j.in;
        const arch_cfg *a = sh.arch;
        unit_cost c{};
        char err[300];
        mf_format f;
        lp_sim_stats *st = sh.st;
        switch (in.op) {
        case ISA_MMA:
        case ISA_MMA_MX: {
            bool mx = in.op == ISA_MMA_MX;
            uint64_t m = in.v[mx ? 5 : 3], n = in.v[mx ? 6 : 4], k = in.v[mx ? 7 : 5];
            if (mx) {
                mx_elem e;
                mx_elem_get((mx_elem_id)in.v[8], &e);
                f = e.fmt;
            } else if (isa_fmt_decode((uint32_t)in.v[6], &f) != LP_OK) {
                mf_get(MF_FP32, &f);
            }
            if (timing_mma(a, f.name, m, n, k, &c, err, sizeof err) != LP_OK) {
                sh.error = "instruction " + std::to_string(j.index) + " (" + isa_get(in.op)->mnemonic + "): " + err;
                return false;
            }
            j.unit = LP_SIM_MATRIX;
            st->macs += c.macs;
            int fi = 0;
            while (fi < st->nformats && strcmp(st->macs_by_format[fi].format, f.name)) fi++;
            if (fi == st->nformats && fi < 16)
                snprintf(st->macs_by_format[st->nformats++].format, MF_NAME_MAX, "%s", f.name);
            if (fi < 16) st->macs_by_format[fi].macs += c.macs;
            st->energy_matrix_pj += c.energy_pj;
            st->utilization += (double)c.macs / arch_rate_of(a, f.name)->macs_per_cycle; /* cycles at peak */
            break;
        }
        case ISA_PIM_LD:
        case ISA_PIM_GEMV:
        case ISA_PIM_CVT:
            sh.error = "instruction " + std::to_string(j.index) + " (" + isa_get(in.op)->mnemonic + "): " + a->name +
                       " has no PIM arrays (the PIM unit is not modelled yet)";
            return false;
        default: {
            const isa_info *info = isa_get(in.op);
            int rows_op = -1;
            for (int i = 0; i < info->nops && rows_op < 0; i++)
                if (info->ops[i].kind == ISA_K_DIM) rows_op = i;
            uint64_t n = in.v[rows_op] * in.v[rows_op + 1];
            vec_kind vk = (in.op == ISA_VEXP || in.op == ISA_VRSQRT || in.op == ISA_VRCP) ? VEC_EXP
                          : (in.op == ISA_VRMAX || in.op == ISA_VRSUM)                    ? VEC_REDUCE
                                                                                          : VEC_SIMPLE;
            timing_vector(a, vk, n, &c);
            j.unit = LP_SIM_VECTOR;
            st->energy_vector_pj += c.energy_pj;
            break;
        }
        }
        j.cycles = c.cycles;
        return true;
    }

    void run()
    {
        lp_sim_stats *st = sh.st;
        const isa_prog *p = sh.prog;
        size_t next_dma = 0;
        for (size_t i = 0; i < p->ninsns && sh.error.empty(); i++) {
            auto job = std::make_unique<Job>();
            Job &j = *job;
            j.index = i;
            isa_decode(p->code + i * ISA_WORD_BYTES, &j.in, NULL);
            st->instructions++;
            if (j.in.op == ISA_HALT) break;
            if (j.in.op == ISA_NOP) continue;
            if (j.in.op == ISA_FENCE) {
                drain();
                continue;
            }
            char err[300];
            if (machine_check_ranges(sh.arch->spm.size_bytes, sh.arch->acc.size_bytes, &j.in, err, sizeof err)) {
                sh.error = "instruction " + std::to_string(i) + ": " + err; /* timing-only runs too */
                break;
            }
            j.nr = isa_ranges(&j.in, j.r);
            for (int r = 0; r < j.nr; r++) { /* memory traffic and its energy */
                uint64_t bytes = j.r[r].rows * j.r[r].row_bytes;
                if (j.r[r].space == ISA_SPACE_SPM)
                    st->spm_bytes += bytes, st->energy_spm_pj += timing_spm_energy_pj(sh.arch, bytes);
                if (j.r[r].space == ISA_SPACE_ACC)
                    st->acc_bytes += bytes, st->energy_acc_pj += timing_acc_energy_pj(sh.arch, bytes);
                if (j.r[r].space == ISA_SPACE_DRAM) j.dram_bytes = bytes;
            }
            Unit *u;
            if (isa_get(j.in.op)->unit == ISA_UNIT_DMA) {
                j.unit = LP_SIM_DMA;
                st->energy_dram_pj += timing_dram_energy_pj(sh.arch, j.dram_bytes);
                u = dma[next_dma];
                for (size_t e = 0; e < dma.size(); e++) /* the engine with the most room */
                    if (dma[e]->queue.num_free() > u->queue.num_free()) u = dma[e];
                next_dma = (next_dma + 1) % dma.size();
            } else {
                if (!cost(j)) break;
                u = j.unit == LP_SIM_MATRIX ? matrix : vector;
            }
            /* the scoreboard: the unit will wait for every earlier unfinished
            ** instruction whose ranges conflict; the controller goes on issuing */
            retire();
            for (auto &o : in_flight)
                if (!o->finished && ranges_conflict(j, *o)) j.deps.push_back({o->index, o->unit});
            if (u->queue.num_free() == 0) {
                sc_time t0 = sc_time_stamp();
                while (u->queue.num_free() == 0) wait(u->queue.data_read_event());
                st->stall_queue += cyc(sc_time_stamp() - t0);
            }
            j.issue = sc_time_stamp();
            u->queue.write(&j);
            in_flight.push_back(std::move(job));
            wait(sh.period); /* one instruction issued per cycle */
        }
        drain();
        st->cycles = cyc(sc_time_stamp());
        sc_stop();
    }
};

} // namespace

extern "C" lp_status lp_sim_run(const isa_prog *p, const arch_cfg *a, machine *m, FILE *trace, lp_sim_stats *st,
                                char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    sc_report_handler::set_actions(SC_INFO, SC_DO_NOTHING);
    sc_report_handler::set_actions("/IEEE_Std_1666/deprecated", SC_DO_NOTHING);
    Shared sh{p,
              a,
              m,
              sc_time(1.0 / a->clock_ghz, SC_NS),
              sc_event("any_done"),
              st,
              std::string(),
              std::vector<uint8_t>(p->ninsns)};
    Dram dram("dram", a->dram.bw_gbps);
    std::vector<std::unique_ptr<Unit>> engines;
    std::vector<Unit *> dma;
    int depth = (int)a->queues.depth;
    for (uint64_t e = 0; e < a->dma.engines; e++) {
        engines.push_back(std::make_unique<Unit>(("dma" + std::to_string(e)).c_str(), sh, LP_SIM_DMA, depth));
        engines.back()->socket->bind(dram.socket);
        dma.push_back(engines.back().get());
    }
    Unit matrix("matrix", sh, LP_SIM_MATRIX, depth), vector("vector", sh, LP_SIM_VECTOR, depth);
    Sram spm("spm", a->spm, sh.period), acc("acc", a->acc, sh.period);
    std::vector<Unit *> users = dma; /* every unit and engine reaches both buffers */
    users.push_back(&matrix);
    users.push_back(&vector);
    for (Unit *u : users) {
        u->spm.bind(spm.socket);
        u->acc.bind(acc.socket);
    }
    Controller ctrl("controller", sh, dma, &matrix, &vector, trace);
    if (trace) fprintf(trace, "%s\n", LP_SIM_TRACE_HEADER);
    sc_start();
    st->dram_bytes = dram.bytes;
    st->latency_ns = (double)st->cycles / a->clock_ghz;
    st->utilization = st->cycles ? st->utilization / (double)st->cycles : 0;
    st->energy_pj =
        st->energy_matrix_pj + st->energy_vector_pj + st->energy_dram_pj + st->energy_spm_pj + st->energy_acc_pj;
    if (!sh.error.empty()) {
        snprintf(err, errlen, "%s", sh.error.c_str());
        return LP_ERR_ARG;
    }
    return LP_OK;
}
