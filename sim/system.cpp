/*
** system.cpp — the SystemC system (see system.h). Glue only: cycles come from
** the units' timing faces, energy from their cost faces, bank and channel
** timing from models/units/mem, values from the functional machine; this file
** composes them in time.
*/
#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <algorithm>
#include <cstdarg>
#include <cmath>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include "cores.h"
#include "dma.h"
#include "power.h"
#include "system.h"
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
        unit_class cls;
    };
    std::vector<Dep> deps;
    size_t index = 0;
    isa_op insn = ISA_NOP;
    unit_op op;              /* decoded once, at issue */
    int unit = 0;            /* the chip's unit that executes it */
    uint64_t cycles = 0;     /* compute units: busy cycles */
    uint64_t dram_bytes = 0; /* DMA: bytes moved, as stored (sub-byte elements packed) */
    int dram_bits = 8;       /* DMA: the DRAM range's packed_bits */
    bool finished = false;
    sc_time issue, start, end;
};

struct Shared {
    const isa_prog *prog;
    const arch_cfg *arch;
    machine *m;
    sc_time period;
    lp_stats *st;
    lp_status status = LP_OK; /* the first error, with its message and instruction */
    lp_diag diag;
    size_t at = 0;
    std::vector<uint8_t> done; /* by instruction index: finished (jobs are freed once retired) */
    bool halted = false;       /* a HALT ended its stream: no later kernel runs */
    bool multi = false;        /* several cores: trace units are named coreN.UNIT */
    double dram_bytes = 0;     /* loads count their DRAM fraction */
    double latency_ns = 0;     /* the kernels' times at their clocks */
    double busy_ns = 0;        /* the same without the launches */

    Shared(const isa_prog *p, const arch_cfg *a, machine *mm, lp_stats *s)
        : prog(p), arch(a), m(mm), period(1.0 / a->clock_ghz, SC_NS), st(s), done(p->ninsns)
    {
        lp_diag_init(&diag, NULL);
    }

    void fail(size_t index, lp_status s)
    {
        if (status) return;
        status = s;
        at = index;
    }
};

/* What one simulated core stands for in the current kernel: how many cores
** (its timing twins, cores.h) and its share of the shared levels. */
struct CoreCtx {
    uint32_t id = 0;   /* the core simulated */
    uint64_t mult = 1; /* cores it stands for */
    mem_share share{};
    /* an instruction of this core finished: the core's own event, so that
    ** what wakes in which order inside a core never depends on the others */
    sc_event *any_done = nullptr;
    /* when the core's section began, and the kernel's first cycle in the run:
    ** the trace's cycles are base + cycles since t0 */
    sc_time t0 = SC_ZERO_TIME;
    uint64_t base = 0;
};

/* A core's port to the shared levels (L2 and DRAM): a TLM target whose channel
** is reserved burst by burst at the core's share of their bandwidth, so that
** its DMA engines working at once share it too. */
struct Port : sc_module {
    tlm_utils::multi_passthrough_target_socket<Port> socket; /* one binding per DMA engine */
    CoreCtx &cx;
    uint64_t free_at = 0; /* ticks */

    Port(sc_module_name n, CoreCtx &c) : sc_module(n), socket("socket"), cx(c)
    {
        socket.register_b_transport(this, &Port::b_transport);
    }

    void b_transport(int, tlm::tlm_generic_payload &t, sc_time &delay)
    {
        double ns_per_byte = t.is_write() ? cx.share.store_ns_per_byte : cx.share.load_ns_per_byte;
        uint64_t t0 = sc_time_stamp().value(), dur = sc_time(t.get_data_length() * ns_per_byte, SC_NS).value();
        uint64_t end = mem_channel_reserve(&free_at, t0 + delay.value(), dur);
        delay = sc_time::from_value(end - t0);
        t.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

/* A scratchpad or accumulator buffer: a TLM target over mem_banks. */
struct Sram : sc_module {
    tlm_utils::multi_passthrough_target_socket<Sram> socket;
    mem_banks banks;

    Sram(sc_module_name n, const arch_mem &m, sc_time p) : sc_module(n), socket("socket")
    {
        if (mem_banks_init(&banks, &m, p.value()) != LP_OK) throw std::bad_alloc();
        socket.register_b_transport(this, &Sram::b_transport);
    }
    ~Sram() { mem_banks_free(&banks); }

    void b_transport(int, tlm::tlm_generic_payload &t, sc_time &delay)
    {
        uint64_t t0 = sc_time_stamp().value();
        uint64_t end = mem_banks_access(&banks, t.get_address(), t.get_data_length(), t0 + delay.value());
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

/* A unit's engine: takes jobs from its queue one at a time. A DMA unit has
** one engine per DMA engine, every other unit one. */
struct Engine : sc_module {
    Shared &sh;
    CoreCtx &cx;
    int unit;
    const dma_cfg *dma; /* DMA engines: their unit's configuration; else NULL */
    sc_fifo<Job *> queue;
    int pending = 0; /* jobs given to it and not finished: queued, waiting or running */
    /* to the core's port: DMA engines, and units that read DRAM themselves (PIM_LD) */
    std::unique_ptr<tlm_utils::simple_initiator_socket<Engine>> socket;
    tlm_utils::simple_initiator_socket<Engine> spm, acc; /* every engine reaches both buffers */
    std::vector<unsigned char> burst_buf;
    tlm::tlm_generic_payload pl; /* one payload for every transaction of this engine */

    SC_HAS_PROCESS(Engine);
    Engine(sc_module_name n, Shared &s, CoreCtx &c, int u, const dma_cfg *d, int depth)
        : sc_module(n), sh(s), cx(c), unit(u), dma(d), queue("queue", depth), spm("spm"), acc("acc")
    {
        socket = std::make_unique<tlm_utils::simple_initiator_socket<Engine>>("socket");
        SC_THREAD(run);
    }

    void finish(Job *j)
    {
        if (sh.m && !sh.status) {
            lp_status s = machine_set_core(sh.m, cx.id);
            if (!s)
                s = machine_exec(sh.m, &j->op, &sh.diag);
            else
                lp_diag_msg(&sh.diag, s, "out of memory for the buffers of core %u", cx.id);
            if (s) {
                char msg[LP_DIAG_MSG_MAX];
                snprintf(msg, sizeof msg, "%s", sh.diag.msg);
                lp_diag_msg(&sh.diag, s, "instruction %zu: %s", j->index, msg);
                sh.fail(j->index, s);
            }
        }
        j->end = sc_time_stamp();
        j->finished = true;
        pending--;
        sh.done[j->index] = 1;
        sh.st->busy_cycles[unit] += cx.mult * (uint64_t)llround((j->end - j->start) / sh.period);
        cx.any_done->notify(SC_ZERO_TIME);
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
            wait(*cx.any_done);
        }
        if (last) {
            uint64_t c = (uint64_t)llround((sc_time_stamp() - t0) / sh.period);
            (last->cls == UNIT_CLASS_DMA ? sh.st->stall_dma : sh.st->stall_dependency) += cx.mult * c;
        }
        j->deps.clear();
    }

    /* The tile lands in (or leaves) the buffer's banks as the bursts go: one
    ** bank access per group of bursts, the group waiting for it. The bursts
    ** carry the DRAM tile's packed bytes; a group's piece of a buffer range is
    ** the same elements at that range's own packing (mem_repack). */
    void run_dma(Job *j)
    {
        const uint64_t burst = dma->burst_bytes, GROUP = 16 * burst;
        bool store = j->op.what == UNIT_OP_STORE;
        wait(sh.period * (double)(store ? cx.share.store_lat_cycles : cx.share.load_lat_cycles));
        burst_buf.resize(burst);
        sc_time group_done = SC_ZERO_TIME;
        for (uint64_t off = 0; off < j->dram_bytes; off += burst) {
            if (off % GROUP == 0) {
                if (group_done > sc_time_stamp()) wait(group_done - sc_time_stamp());
                group_done = sc_time_stamp();
                uint64_t glen = std::min(GROUP, j->dram_bytes - off);
                for (int r = 0; r < j->op.nr; r++) {
                    const mem_range &x = j->op.r[r];
                    if (x.space != MEM_SPM && x.space != MEM_ACC) continue;
                    auto &s = x.space == MEM_SPM ? spm : acc;
                    uint64_t lo = mem_repack(off, j->dram_bits, x.packed_bits);
                    uint64_t hi = mem_repack(off + glen, j->dram_bits, x.packed_bits);
                    group_done =
                        std::max(group_done, sc_time_stamp() + buffer_access(s, pl, x.write, x.addr + lo, hi - lo));
                }
            }
            uint64_t len = std::min<uint64_t>(burst, j->dram_bytes - off);
            pl.set_command(store ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
            pl.set_address(0);
            pl.set_data_ptr(burst_buf.data());
            pl.set_data_length((unsigned)len);
            sc_time d = SC_ZERO_TIME;
            (*socket)->b_transport(pl, d);
            wait(std::max(d, sh.period * (double)dma_engine_cycles(dma, len)));
        }
        if (group_done > sc_time_stamp()) wait(group_done - sc_time_stamp());
    }

    /* Operands stream through the buffers while the unit computes: in SLICES
    ** steps, each a share of every tile and of the cycles; a step takes the
    ** longer of the two, so a unit starved by bank conflicts slows down and
    ** one that is not keeps its compute time. */
    void run_compute(Job *j)
    {
        const int SLICES = 8;
        sc_time compute = sh.period * (double)j->cycles / SLICES;
        /* A unit that reads DRAM itself (PIM_LD places weights from DRAM)
        ** takes the core's channel to the shared levels for those bytes, as
        ** its DMA engines do, and is no faster than the channel moves them:
        ** its timing face knows only its own interface. */
        sc_time channel_end = sc_time_stamp();
        if (j->dram_bytes) {
            channel_end += sh.period * (double)cx.share.load_lat_cycles;
            for (uint64_t off = 0; off < j->dram_bytes; off += 1u << 30) {
                pl.set_command(tlm::TLM_READ_COMMAND);
                pl.set_address(0);
                static unsigned char dummy[1]; /* timing only: the functional machine moves the values */
                pl.set_data_ptr(dummy);
                pl.set_data_length((unsigned)std::min<uint64_t>(1u << 30, j->dram_bytes - off));
                sc_time d = SC_ZERO_TIME;
                (*socket)->b_transport(pl, d);
                channel_end = std::max(channel_end, sc_time_stamp() + d);
            }
        }
        for (int sl = 0; sl < SLICES; sl++) {
            sc_time mem = SC_ZERO_TIME;
            for (int r = 0; r < j->op.nr; r++) {
                const mem_range &x = j->op.r[r];
                if (x.space != MEM_SPM && x.space != MEM_ACC) continue;
                auto &s = x.space == MEM_SPM ? spm : acc;
                uint64_t len = mem_packed((x.rows - 1) * x.pitch + x.row_bytes, x.packed_bits);
                uint64_t lo = len * (uint64_t)sl / SLICES, hi = len * (uint64_t)(sl + 1) / SLICES;
                if (hi == lo) continue;
                if (x.read) mem = std::max(mem, buffer_access(s, pl, false, x.addr + lo, hi - lo));
                if (x.write) mem = std::max(mem, buffer_access(s, pl, true, x.addr + lo, hi - lo));
            }
            wait(std::max(mem, compute));
        }
        if (channel_end > sc_time_stamp()) wait(channel_end - sc_time_stamp());
    }

    void run()
    {
        for (;;) {
            Job *j = queue.read();
            wait_deps(j);
            j->start = sc_time_stamp();
            if (dma)
                run_dma(j);
            else
                run_compute(j);
            finish(j);
        }
    }
};

bool jobs_conflict(const Job &a, const Job &b)
{
    for (int i = 0; i < a.op.nr; i++)
        for (int k = 0; k < b.op.nr; k++)
            if (mem_ranges_conflict(&a.op.r[i], &b.op.r[k])) return true;
    return false;
}

/* A core's controller: runs the section the chip gives it for the current
** kernel, then reports done. */
struct Controller : sc_module {
    Shared &sh;
    CoreCtx &cx;
    std::vector<std::vector<Engine *>> engines; /* by unit */
    std::vector<int> by_class;                  /* the unit executing each class, or -1 */
    std::vector<size_t> next_engine;            /* round robin among a DMA unit's engines */
    FILE *trace;
    std::deque<std::unique_ptr<Job>> in_flight;
    uint64_t first = 0, count = 0; /* the section to run */
    bool busy = false;
    sc_event go, &done_ev;

    SC_HAS_PROCESS(Controller);
    Controller(sc_module_name n, Shared &s, CoreCtx &c, std::vector<std::vector<Engine *>> e, FILE *t, sc_event &d)
        : sc_module(n), sh(s), cx(c), engines(std::move(e)), by_class(UNIT_CLASS_COUNT, -1),
          next_engine(engines.size()), trace(t), go("go"), done_ev(d)
    {
        for (int u = sh.arch->nunits - 1; u >= 0; u--) by_class[unit_kind_get(sh.arch->units[u].kind)->cls] = u;
        SC_THREAD(run);
    }

    uint64_t cyc(const sc_time &t) const { return (uint64_t)llround(t / sh.period); }
    /* A time of this core's section as a cycle of the run. */
    uint64_t run_cyc(const sc_time &t) const { return cx.base + cyc(t - cx.t0); }

    void retire()
    {
        while (!in_flight.empty() && in_flight.front()->finished) {
            Job *j = in_flight.front().get();
            if (trace && sh.multi)
                fprintf(trace, "%zu,%s,core%u.%s,%llu,%llu,%llu\n", j->index, isa_get(j->insn)->mnemonic, cx.id,
                        sh.arch->units[j->unit].name, (unsigned long long)run_cyc(j->issue),
                        (unsigned long long)run_cyc(j->start), (unsigned long long)run_cyc(j->end));
            else if (trace)
                fprintf(trace, "%zu,%s,%s,%llu,%llu,%llu\n", j->index, isa_get(j->insn)->mnemonic,
                        sh.arch->units[j->unit].name, (unsigned long long)run_cyc(j->issue),
                        (unsigned long long)run_cyc(j->start), (unsigned long long)run_cyc(j->end));
            in_flight.pop_front();
        }
    }

    void drain()
    {
        for (;;) {
            bool all = true;
            for (auto &j : in_flight) all = all && j->finished;
            if (all) break;
            wait(*cx.any_done);
        }
        retire();
    }

    /* Record an error about instruction j and stop issuing; fmt continues
    ** "instruction N (MNEMONIC)" (": ..." or " needs ..."). */
    bool refuse(const Job &j, lp_status s, const char *fmt, ...) __attribute__((format(printf, 4, 5)))
    {
        char msg[LP_DIAG_MSG_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        lp_diag_msg(&sh.diag, s, "instruction %zu (%s)%s", j.index, isa_get(j.insn)->mnemonic, msg);
        sh.fail(j.index, s);
        return false;
    }

    /* The unit of the job's class, its cycles and its cost; false with the
    ** error recorded when the chip cannot execute it. */
    bool assign(Job &j)
    {
        unit_class cls = unit_op_class(j.op.what);
        lp_stats *st = sh.st;
        if (by_class[cls] < 0) {
            char units[256] = "";
            for (int u = 0; u < sh.arch->nunits; u++)
                snprintf(units + strlen(units), sizeof units - strlen(units), "%s%s", u ? ", " : "",
                         sh.arch->units[u].name);
            return refuse(j, LP_ERR_UNIT, " needs a %s unit: %s has none (its units: %s)", unit_class_name(cls),
                          sh.arch->name, units);
        }
        j.unit = by_class[cls];
        const arch_unit *u = &sh.arch->units[j.unit];
        const unit_faces *f = unit_kind_get(u->kind)->faces;
        if (cls == UNIT_CLASS_DMA) return true; /* the engines time the bursts themselves */
        unit_timing t{};
        lp_diag why;
        lp_diag_init(&why, NULL);
        if (f->timing(sh.arch, u->cfg, &j.op, &t, &why))
            return refuse(j, why.status, ": the %s unit of %s %s", u->name, sh.arch->name, why.msg);
        j.cycles = t.cycles; /* a unit reading DRAM also waits for the channel (Engine::run_compute) */
        if (cls == UNIT_CLASS_MATRIX || cls == UNIT_CLASS_PIM) { /* the arrays' GEMVs are MACs too */
            st->macs += cx.mult * t.macs;
            int fi = lp_stats_format(st, j.op.what == UNIT_OP_MMA_MX ? j.op.ea->fmt.name
                                         : cls == UNIT_CLASS_PIM     ? j.op.fmt.name /* the activations' */
                                                                     : j.op.fa.name);
            if (fi >= 0 && t.macs) st->macs_by_format[fi] += cx.mult * t.macs;
        }
        if (cls == UNIT_CLASS_MATRIX)
            st->utilization += (double)cx.mult * t.peak_cycles; /* at peak, divided at the end */
        if (f->energy_pj) st->energy_breakdown[j.unit] += (double)cx.mult * f->energy_pj(sh.arch, u->cfg, &j.op, &t);
        return true;
    }

    /* Traffic and energy of the buffers a job touches, and of the shared
    ** levels when it moves data to or from DRAM (loads read their DRAM
    ** fraction from DRAM, the rest from the L2): every range's bytes as
    ** stored, sub-byte elements packed, as the banks see them. */
    void traffic(Job &j)
    {
        lp_stats *st = sh.st;
        for (int r = 0; r < j.op.nr; r++) {
            const mem_range &x = j.op.r[r];
            uint64_t bytes = mem_range_bytes(&x);
            if (x.space == MEM_SPM || x.space == MEM_ACC) {
                st->bytes[x.space] += cx.mult * bytes;
                st->energy_breakdown[ARCH_MAX_UNITS + x.space] +=
                    (double)cx.mult * mem_buffer_energy_pj(x.space == MEM_SPM ? &sh.arch->spm : &sh.arch->acc, bytes);
            }
            if (x.space == MEM_DRAM) j.dram_bytes = bytes, j.dram_bits = x.packed_bits;
        }
        if (unit_op_class(j.op.what) != UNIT_CLASS_DMA && !j.dram_bytes) return; /* PIM_LD reads DRAM too */
        if (!sh.arch->l2.size_bytes) { /* every byte a DRAM byte, as before the L2 */
            st->energy_breakdown[ARCH_MAX_UNITS + MEM_DRAM] +=
                (double)cx.mult * mem_dram_energy_pj(&sh.arch->dram, j.dram_bytes);
            sh.dram_bytes += (double)(cx.mult * j.dram_bytes);
            return;
        }
        double from_dram =
            (double)(cx.mult * j.dram_bytes) * (j.op.what == UNIT_OP_STORE ? 1.0 : cx.share.dram_fraction);
        st->energy_breakdown[ARCH_MAX_UNITS + MEM_DRAM] += mem_dram_energy_pj_f(&sh.arch->dram, from_dram);
        sh.dram_bytes += from_dram;
        st->bytes[STATS_LEVEL_L2] += cx.mult * j.dram_bytes;
        st->energy_breakdown[ARCH_MAX_UNITS + STATS_LEVEL_L2] +=
            mem_l2_energy_pj(&sh.arch->l2, (double)(cx.mult * j.dram_bytes));
    }

    /* The engine of a job's unit with the fewest jobs not finished (an idle
    ** one if any: a job never waits behind another engine's long transfer
    ** while an engine is free), round robin among equals. */
    Engine *engine_for(const Job &j)
    {
        std::vector<Engine *> &e = engines[j.unit];
        size_t &next = next_engine[j.unit];
        Engine *u = e[next];
        for (Engine *x : e)
            if (x->pending < u->pending) u = x;
        next = (next + 1) % e.size();
        u->pending++;
        return u;
    }

    /* Decode instruction i into a job, once. */
    void decode(Job &j, size_t i)
    {
        isa_insn in;
        isa_decode(sh.prog->code + i * ISA_WORD_BYTES, &in, nullptr); /* the program was checked when read */
        j.index = i;
        j.insn = in.op;
        isa_to_op(&in, &j.op);
    }

    /* Issue the section's instructions in order, one per cycle. */
    void run_section()
    {
        lp_stats *st = sh.st;
        const isa_prog *p = sh.prog;
        for (uint64_t i = first; i < first + count && !sh.status; i++) {
            auto job = std::make_unique<Job>();
            Job &j = *job;
            decode(j, i);
            st->instructions += cx.mult;
            if (j.op.what == UNIT_OP_HALT) {
                sh.halted = true;
                break;
            }
            if (j.op.what == UNIT_OP_NOP) continue;
            if (j.op.what == UNIT_OP_FENCE) {
                drain();
                continue;
            }
            lp_diag why;
            if (machine_check_ranges(sh.arch, isa_get(j.insn)->mnemonic, &j.op, &why)) { /* timing-only runs too */
                lp_diag_msg(&sh.diag, why.status, "instruction %zu: %s", (size_t)i, why.msg);
                sh.fail(i, why.status);
                break;
            }
            traffic(j);
            if (!assign(j)) break;
            Engine *u = engine_for(j);
            /* the scoreboard: the unit will wait for every earlier unfinished
            ** instruction whose ranges conflict; the controller goes on issuing */
            retire();
            for (auto &o : in_flight)
                if (!o->finished && jobs_conflict(j, *o)) j.deps.push_back({o->index, unit_op_class(o->op.what)});
            if (u->queue.num_free() == 0) {
                sc_time t0 = sc_time_stamp();
                while (u->queue.num_free() == 0) wait(u->queue.data_read_event());
                st->stall_queue += cx.mult * cyc(sc_time_stamp() - t0);
            }
            j.issue = sc_time_stamp();
            u->queue.write(&j);
            in_flight.push_back(std::move(job));
            wait(sh.period); /* one instruction issued per cycle */
        }
        (void)p;
    }

    void run()
    {
        for (;;) {
            wait(go);
            run_section();
            drain();
            busy = false;
            done_ev.notify(SC_ZERO_TIME);
        }
    }
};

/* A simulated core: its buffers, its port to the shared levels, its units'
** engines and its controller. */
struct Core {
    CoreCtx cx;
    sc_event any_done;
    std::unique_ptr<Port> port;
    std::unique_ptr<Sram> spm, acc;
    std::vector<std::unique_ptr<Engine>> owned;
    std::unique_ptr<Controller> ctrl;

    Core(Shared &sh, int index, FILE *trace, sc_event &done) : any_done(("any_done" + std::to_string(index)).c_str())
    {
        cx.any_done = &any_done;
        const arch_cfg *a = sh.arch;
        std::string pre = index ? "core" + std::to_string(index) + "_" : std::string();
        port = std::make_unique<Port>((pre + "dram").c_str(), cx);
        spm = std::make_unique<Sram>((pre + "spm").c_str(), a->spm, sh.period);
        acc = std::make_unique<Sram>((pre + "acc").c_str(), a->acc, sh.period);
        std::vector<std::vector<Engine *>> engines(a->nunits);
        int depth = (int)a->queues.depth;
        for (int u = 0; u < a->nunits; u++) {
            const arch_unit *un = &a->units[u];
            bool is_dma = unit_kind_get(un->kind)->cls == UNIT_CLASS_DMA;
            const dma_cfg *dc = is_dma ? (const dma_cfg *)un->cfg : nullptr;
            uint64_t n = dc ? dc->engines : 1;
            for (uint64_t e = 0; e < n; e++) {
                std::string name = pre + (dc ? un->name + std::to_string(e) : std::string(un->name));
                owned.push_back(std::make_unique<Engine>(name.c_str(), sh, cx, u, dc, depth));
                Engine *x = owned.back().get();
                x->socket->bind(port->socket);
                x->spm.bind(spm->socket);
                x->acc.bind(acc->socket);
                engines[u].push_back(x);
            }
        }
        ctrl = std::make_unique<Controller>((pre + "controller").c_str(), sh, cx, engines, trace, done);
    }
};

/* The chip: runs the kernels one after another; in each, every group of
** timing twins runs its representative section on a simulated core of its
** own. The cores of a kernel share nothing that changes while it runs (each
** has its own buffers and its static share of the L2 and DRAM, mem.h), so
** they are simulated one after another, each from a fresh start, and the
** kernel lasts as long as the longest: what SystemC's order among events of
** the same instant inside one core depends on is then that core alone, and a
** core takes the same cycles however many others are simulated with it. */
struct Chip : sc_module {
    Shared &sh;
    const isa_section *secs;
    const lp_kernel_plan *plans;
    size_t nkernels;
    std::vector<std::unique_ptr<Core>> &cores;
    lp_kernel_stats *ks;
    sc_event &done;

    SC_HAS_PROCESS(Chip);
    Chip(sc_module_name n, Shared &s, const isa_section *ss, const lp_kernel_plan *p, size_t nk,
         std::vector<std::unique_ptr<Core>> &c, lp_kernel_stats *k, sc_event &d)
        : sc_module(n), sh(s), secs(ss), plans(p), nkernels(nk), cores(c), ks(k), done(d)
    {
        SC_THREAD(run);
    }

    double energy() const
    {
        double e = 0;
        for (int i = 0; i < STATS_ENERGY_SLOTS; i++) e += sh.st->energy_breakdown[i];
        return e;
    }

    void run()
    {
        lp_stats *st = sh.st;
        uint64_t now = 0; /* cycles of the run so far: the kernels' lengths */
        for (size_t k = 0; k < nkernels && !sh.status && !sh.halted; k++) {
            const lp_kernel_plan *kp = &plans[k];
            double e0 = energy(), d0 = sh.dram_bytes;
            uint64_t m0 = st->macs, l0 = st->bytes[STATS_LEVEL_L2], longest = 0;
            mem_share share;
            mem_share_of(sh.arch, kp->active, kp->load_bytes, kp->miss_bytes, &share);
            for (uint32_t g = 0; g < kp->ngroups && !sh.status; g++) {
                Core &c = *cores[g];
                const isa_section &s = secs[kp->groups[g].rep];
                c.cx.id = s.core;
                c.cx.mult = kp->groups[g].count;
                c.cx.share = share;
                c.cx.t0 = sc_time_stamp();
                c.cx.base = now;
                c.ctrl->first = s.first;
                c.ctrl->count = s.count;
                c.ctrl->busy = true;
                c.ctrl->go.notify(SC_ZERO_TIME);
                while (c.ctrl->busy) wait(done);
                longest = std::max(longest, (uint64_t)llround((sc_time_stamp() - c.cx.t0) / sh.period));
            }
            double ek = energy() - e0, fk = arch_power_clock(sh.arch, ek, longest);
            double nsk = arch_kernel_ns(sh.arch, k, longest, fk);
            sh.latency_ns += nsk;
            sh.busy_ns += (double)longest / fk;
            if (ks) {
                lp_kernel_stats *o = &ks[k];
                o->clock_ghz = fk;
                o->latency_ns = nsk;
                o->start_cycle = now;
                o->cycles = longest;
                o->cores = kp->active;
                o->simulated = kp->ngroups;
                o->macs = st->macs - m0;
                o->dram_bytes = (uint64_t)llround(sh.dram_bytes - d0);
                o->l2_bytes = st->bytes[STATS_LEVEL_L2] - l0;
                o->energy_pj = ek;
                o->dram_fraction = share.dram_fraction;
                o->ran = true;
            }
            now += longest;
        }
        st->cycles = now;
        sc_stop();
    }
};

/* Totals at the end of a run: latency, energy, utilisation of the matrix units. */
void finish_stats(lp_stats *st, const arch_cfg *a, double dram_bytes, double latency_ns, double busy_ns)
{
    st->bytes[MEM_DRAM] = (uint64_t)llround(dram_bytes);
    int matrix_units = 0;
    for (int u = 0; u < a->nunits; u++) matrix_units += unit_kind_get(a->units[u].kind)->cls == UNIT_CLASS_MATRIX;
    st->utilization = st->cycles ? st->utilization / (double)st->cycles / (matrix_units > 1 ? matrix_units : 1) /
                                       (double)(a->cores ? a->cores : 1)
                                 : 0;
    st->energy_pj = 0;
    for (int u = 0; u < st->nunits; u++)
        if (st->unit_energy[u]) st->energy_pj += st->energy_breakdown[u];
    for (int lv = 0; lv < STATS_LEVELS; lv++) st->energy_pj += st->energy_breakdown[ARCH_MAX_UNITS + lv];
    lp_stats_set_time(st, a, latency_ns, busy_ns);
}

} // namespace

extern "C" lp_status lp_sim_run_ex(const isa_prog *p, const arch_cfg *a, machine *m, const lp_sim_opts *o, lp_stats *st,
                                   lp_kernel_stats *ks, size_t *at, lp_diag *d)
{
    lp_stats_init(st, a);
    sc_report_handler::set_actions(SC_INFO, SC_DO_NOTHING);
    sc_report_handler::set_actions("/IEEE_Std_1666/deprecated", SC_DO_NOTHING);
    isa_layout lay;
    isa_prog_layout(p, &lay);
    uint32_t ncores = isa_prog_cores(p);
    if (ncores > a->cores) {
        size_t i = 0;
        for (size_t s = 0; s < lay.nsecs; s++)
            if (lay.secs[s].core >= a->cores) {
                i = lay.secs[s].first;
                break;
            }
        *at = i;
        return lp_diag_msg(d, LP_ERR_RANGE, "the program runs on %u cores; %s has %llu (its key cores)", ncores,
                           a->name, (unsigned long long)a->cores);
    }
    lp_kernel_plan *plans = nullptr;
    size_t nplans = 0;
    /* functional runs compute every core's values: every core simulated */
    if (lp_plan_kernels(p, m != nullptr || (o && o->all_cores), a->l2.size_bytes, &plans, &nplans)) {
        lp_plan_free(plans, nplans);
        *at = 0;
        return lp_diag_msg(d, LP_ERR_NOMEM, "out of memory planning the cores");
    }
    uint32_t ngroups = 1;
    for (size_t k = 0; k < nplans; k++) ngroups = std::max(ngroups, plans[k].ngroups);
    Shared sh(p, a, m, st);
    sh.multi = ncores > 1;
    sc_event done("cores_done");
    FILE *trace = o ? o->trace : nullptr;
    std::vector<std::unique_ptr<Core>> cores;
    for (uint32_t c = 0; c < ngroups; c++) cores.push_back(std::make_unique<Core>(sh, (int)c, trace, done));
    Chip chip("chip", sh, lay.secs, plans, nplans, cores, ks, done);
    if (trace) fprintf(trace, "%s\n", LP_SIM_TRACE_HEADER);
    sc_start();
    finish_stats(st, a, sh.dram_bytes, sh.latency_ns, sh.busy_ns);
    lp_plan_free(plans, nplans);
    if (sh.status) {
        *d = sh.diag;
        *at = sh.at;
        return sh.status;
    }
    return LP_OK;
}

extern "C" lp_status lp_sim_run(const isa_prog *p, const arch_cfg *a, machine *m, FILE *trace, lp_stats *st, size_t *at,
                                lp_diag *d)
{
    lp_sim_opts o = {trace, false};
    return lp_sim_run_ex(p, a, m, &o, st, nullptr, at, d);
}
