-- schema.sql — lpsim's results database (docs/results.md), the current
-- version. Compiled into lpsim; a new database is created from it, an older
-- one is brought to it by the migrations in rdb.c (each tested from the
-- schema of its version, tests/results/). Every table is STRICT; names carry
-- their units (_ns, _pj, _bytes). PRAGMA application_id marks the file as
-- lpsim's, PRAGMA user_version is the schema version below.
PRAGMA application_id = 1819308905; -- 'lpsi'
PRAGMA user_version = 5;

-- One row per sweep file lpsim has run from: its hash identifies the sweep
-- (points are numbered within it), its text makes it reproducible.
CREATE TABLE sweeps (
  sweep_hash TEXT PRIMARY KEY,           -- FNV-1a 64 of the file's bytes, 16 hex digits
  file TEXT NOT NULL,                    -- the path it was read from
  text TEXT NOT NULL,                    -- the whole file
  points INTEGER NOT NULL,               -- points after the constraints
  created_at TEXT NOT NULL               -- UTC, ISO 8601
) STRICT;

-- One row per simulation (lpsim sweep, lpsim run --db, lpsim exec --db).
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  run_uuid TEXT NOT NULL UNIQUE,         -- 32 hex digits; merge skips a run it already holds
  started_at TEXT NOT NULL,              -- UTC, ISO 8601 with milliseconds
  lpsim_version TEXT NOT NULL,
  git_revision TEXT NOT NULL,
  host TEXT NOT NULL,
  command_line TEXT NOT NULL,            -- JSON array of the arguments
  engine TEXT NOT NULL DEFAULT 'sim',    -- 'sim': the simulator (version 2)
  arch_name TEXT NOT NULL,
  arch_json TEXT NOT NULL,               -- the full effective configuration
  unit_kind TEXT NOT NULL,               -- the matrix unit's kind: tensor_core, pim, fpga, ideal
  workload_kind TEXT NOT NULL,           -- gemm, gemv, attention, layer, model, or program (exec)
  workload TEXT NOT NULL,                -- the workload in its inline form, or the program's path
  workload_json TEXT NOT NULL,           -- its keys and values
  formats TEXT NOT NULL,                 -- the element formats, "w=... a=... kv=..." or "in_a=... in_b=... out=..."
  seed INTEGER NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('functional', 'timing-only')),
  status TEXT NOT NULL CHECK (status IN ('done', 'mismatch', 'failed', 'crashed', 'infeasible')),
  error TEXT,                            -- the diagnostic of a failed, crashed or infeasible run
  wall_s REAL NOT NULL,                  -- seconds the run took, its process's start included
  sweep_hash TEXT REFERENCES sweeps(sweep_hash),
  point_index INTEGER,                   -- the point's number in its sweep, from 0
  point_json TEXT,                       -- the values the sweep's axes gave it
  -- metrics (NULL for a run that did not finish)
  cycles INTEGER,
  latency_ns REAL,
  clock_ghz REAL,
  power_w REAL,
  energy_pj REAL,
  macs INTEGER,
  utilization REAL,
  instructions INTEGER,
  dram_bytes INTEGER,
  spm_bytes INTEGER,
  acc_bytes INTEGER,
  l2_bytes INTEGER,
  area_mm2 REAL,                         -- the chip's declared area (cores x the units' area_mm2), NULL when 0
  expectations INTEGER,                  -- checked outputs (functional runs)
  -- the output's error against the float64 reference of the unquantised
  -- inputs (version 3; docs/workloads.md, "Numerical error"): NULL for a
  -- timing-only run, a program without a reference, or an undefined figure
  sqnr_db REAL,                          -- 10 log10(sum ref^2 / sum (out - ref)^2), capped at 200
  max_rel_err REAL,                      -- max |out - ref| / max |ref|
  -- an fpga matrix unit's design (version 4; docs/fpga.md, `lpsim fpga-cost`):
  -- NULL for other unit kinds
  fpga_luts INTEGER,                     -- LUTs of the PE grid, its trees and control
  fpga_ffs INTEGER,
  fpga_dsps INTEGER,
  fpga_fmax_mhz REAL,                    -- the design's fmax (its critical stage)
  CHECK ((sweep_hash IS NULL) = (point_index IS NULL))
) STRICT;

-- A sweep point is done once: a second finished row for it is refused (a
-- crashed one may be retried by --resume).
CREATE UNIQUE INDEX runs_point ON runs(sweep_hash, point_index, mode)
  WHERE sweep_hash IS NOT NULL AND status <> 'crashed';
CREATE INDEX runs_arch ON runs(arch_name);

-- Energy by component: each unit with a cost face, each memory level.
CREATE TABLE run_energy (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  component TEXT NOT NULL,
  energy_pj REAL NOT NULL,
  PRIMARY KEY (run_id, component)
) STRICT;

-- Multiply-accumulates by operand format.
CREATE TABLE run_macs (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  format TEXT NOT NULL,
  macs INTEGER NOT NULL,
  PRIMARY KEY (run_id, format)
) STRICT;

-- Busy cycles by unit.
CREATE TABLE run_units (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  unit TEXT NOT NULL,
  busy_cycles INTEGER NOT NULL,
  PRIMARY KEY (run_id, unit)
) STRICT;

-- The operations of a workload (lpsim run): each with its figures (times its
-- repeat) and mapping.
CREATE TABLE run_ops (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,                  -- its place in the workload, from 0
  op TEXT NOT NULL,
  kind TEXT NOT NULL,
  shape TEXT NOT NULL,
  repeat INTEGER NOT NULL,
  cycles INTEGER NOT NULL,
  latency_ns REAL NOT NULL,
  energy_pj REAL NOT NULL,
  macs INTEGER NOT NULL,
  dram_bytes INTEGER NOT NULL,
  bound TEXT NOT NULL,                   -- compute or memory
  mapping_json TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
) STRICT;

-- Fitted cost models (version 5; `lpsim fit`, docs/costmodel.md): the
-- coefficients and the identity of the runs they were fitted on.
CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  created_at TEXT NOT NULL,              -- UTC, ISO 8601
  lpsim_version TEXT NOT NULL,
  arch_name TEXT NOT NULL,
  training_json TEXT NOT NULL,           -- the training set: runs, operations, their ids, a hash of their run_uuids
  model_json TEXT NOT NULL               -- the model file's whole object (lpsim fit --out)
) STRICT;
