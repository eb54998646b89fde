#!/usr/bin/env python3
"""Peers in the grading table: other libraries' optimizers, run through the Python package on
the problem of an `imcdse grade` folder, graded as `imcdse grade` grades ours.

    python scripts/python/peers.py --grading DIR --out FILE.parquet
        [--peers optuna-tpe,pymoo-ga,pymoo-ga-paper] [--budgets 100,300,1000] [--seeds 10] [--jobs 1]

then `imcdse grade ... --out DIR --peers FILE.parquet` puts the rows beside ours in DIR's
grading.md and grading.parquet.

**The problem and its optimum come from the grading.** `--grading DIR` is a folder written by
`imcdse grade` (complete, not a shard, without an external evaluator): its run.toml names the
space, workloads, objective (max-ela unless the grading chose another single score),
calibration and minimum compute SNR (`--min-snr`: a design below it is infeasible, its
shortfall told as a violation), and its certified.json the certified optimum and the key that
identifies it (space file, workloads' layers, objective, tool and model revision). Taking both
from the grading, rather than the certificate cache (results/certified, whose file names hash
things only the Rust side computes), is what makes the rows comparable: the file records that
key, and `imcdse grade --peers` refuses a file whose key is not its own. Before any run, the
certified best design is costed here and must score the certified optimum: a Python package
built from another model revision is refused.

**Peers.** Each runs with seeds 0..N-1 until it has costed the largest budget's number of
distinct designs (or, having converged, it has asked for ten times as many designs; or, for
`pymoo-ga-paper`, its fixed schedule ends). A design asked for again is answered from a cache
and not counted, as in our grading, where a budget counts unique evaluations; the grade at
budget B is the best feasible score among the first B distinct designs, in the order they
were first asked for.

- `optuna-tpe`: `optuna.samplers.TPESampler(seed=s)`, all defaults, through ask and tell; one
  suggestion per free parameter over its value indices: `suggest_int` where the values are
  ascending numbers (the index order is the value order, which TPE's Parzen densities use),
  `suggest_categorical` otherwise. Feasibility is told with `Trial.set_constraint` (area and
  capacity, feasible at <= 0, as `imcdse.pymoo` defines them) and the design's true score is
  returned: Optuna 5's TPE reads these constraints without a `constraints_func` (which is
  deprecated), puts every infeasible trial below every feasible one and ranks infeasible ones
  by their total violation. A large penalty value instead would make infeasible designs look
  like bad feasible ones and distort the split into good and bad trials; the true score alone
  would draw TPE to small chips whose weights do not fit. A design that is not a valid
  architecture returns 1e300 (`imcdse.pymoo.UNCOSTED`) with violations of 1e6.
- `pymoo-ga`: pymoo's `GA()` with its defaults (population 100, SBX and PM with their default
  probabilities and spreads, tournament selection, duplicates eliminated), made integer the way
  pymoo's documentation does it for integer variables: `IntegerRandomSampling()`, and SBX and PM
  on floats (`vtype=float`) rounded by `RoundingRepair()`; over `imcdse.pymoo.Problem`'s value
  indices, as a new user would run it. Not `GA(repair=RoundingRepair())` with the default float
  sampling: rounding uniform floats gives a parameter's first and last values half the chance
  of the others, and these spaces' optima sit at ends of their lists (0.5 V, 1 ns, 512 rows):
  on paper-rram it ends 104% from the optimum at 1,000 evaluations (median of 10 seeds) where
  this one ends 4%.
- `pymoo-ga-paper`: the paper's schedule, `scripts/python/paper_ga.py`'s `search` (500
  Hamming-spread random designs, then four GA phases of 70 x 10): at most 3,300 designs
  asked, so budgets above its distinct designs show fewer evaluations used.

**Output.** A Parquet file with one row per peer x seed x budget (in that order), written
atomically (a temporary file renamed): the columns of grading.parquet (`optimizer`, `budget`,
`seed`, `evaluations`, `best_score`, `gap_pct`, `found_optimum`, `hv_ratio` (null: single
objective only), `run_seconds`: the whole run, every budget at once), then what it was graded
against: `space`, `workloads` (comma-separated names), `objective`, `certificate` (the key in
certified.json) and `optimum`.

**Arguments and their bounds** (anything else is refused with a message, exit status 2):
- `--grading DIR`: required; the folder as above.
- `--out FILE`: required; ends in `.parquet`; its folder must exist; not the grading's own
  `grading.parquet`; a regular file if present, then replaced.
- `--peers LIST`: comma-separated, distinct, from optuna-tpe, pymoo-ga, pymoo-ga-paper
  (default all three).
- `--budgets LIST`: comma-separated integers, each 1..100,000 and at most the space's size
  (default 100,300,1000); sorted, repeats dropped. `imcdse grade --peers` needs each of them
  among the grading's own budgets.
- `--seeds N`: 1..1,000 (default 10): seeds 0..N-1.
- `--jobs N`: 1..64 (default 1): runs at once, each (peer, seed) in a process of its own. The
  rows and their order do not depend on it; only `run_seconds` does (runs share the cores).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tomllib
from pathlib import Path

import imcdse
import imcdse.pymoo
import numpy as np
import paper_ga  # scripts/python, beside this script

PEERS = ("optuna-tpe", "pymoo-ga", "pymoo-ga-paper")
MAX_BUDGET, MAX_SEEDS, MAX_JOBS = 100_000, 1_000, 64
# A run that has converged asks for designs it has seen; it stops after this many requests per
# unit of its largest budget.
REQUESTS_PER_BUDGET = 10


class Refused(Exception):
    """A bad argument or input folder: its message is printed, the exit status is 2."""


class Costed(paper_ga.Database):
    """`paper_ga.Database` (each distinct design costed once), also keeping the order in
    which designs were first asked for: `order[:B]` is the run at a budget of B."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = []

    def _evaluate(self, X, out, *args, **kwargs):
        keys = [tuple(int(v) for v in x) for x in np.rint(np.asarray(X, dtype=float))]
        self.order.extend(dict.fromkeys(k for k in keys if k not in self.db))
        super()._evaluate(X, out, *args, **kwargs)

    def cost(self, key):
        """(score, constraints) of one design given as value indices, from the cache or costed."""
        if key in self.db:
            self.requests += 1
        else:
            self.evaluate(np.array([key], dtype=float))
        return self.db[key]

    def score(self, key):
        """The design's score if it is feasible (both constraints <= 0), else None."""
        f, g = self.db[key]
        return f if (g <= 0).all() and f < imcdse.pymoo.UNCOSTED else None


def run_optuna_tpe(problem, seed, budget):
    """Optuna's TPE with its defaults; constraints told with `Trial.set_constraint`."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
    params = list(problem.space.params.items())
    ordinal = {n: ascending_numbers(v) for n, v in params}
    while len(problem.order) < budget and problem.requests < REQUESTS_PER_BUDGET * budget:
        trial = study.ask()
        key = tuple(
            trial.suggest_int(n, 0, len(v) - 1)
            if ordinal[n]
            else trial.suggest_categorical(n, list(range(len(v))))
            for n, v in params
        )
        f, g = problem.cost(key)
        trial.set_constraint("area", float(g[0]))
        trial.set_constraint("capacity", float(g[1]))
        study.tell(trial, float(f))


def one_run(run):
    """(rows, a line for the log) of one peer's run at one seed, on a problem of its own:
    `run` is (grading folder, peer, seed, budgets)."""
    grading, peer, seed, budgets = run
    args, cert = read_grading(grading)
    space = imcdse.Space.load(args["space"], args.get("calibration"))
    problem = Costed(space, args["workloads"], args["objective"], args.get("calibration"),
                     min_snr=args.get("min_snr"))
    start = time.perf_counter()
    RUNS[peer](problem, seed, budgets[-1])
    secs = time.perf_counter() - start
    graded = grade_run(problem, budgets, float(cert["best_score"]))
    rows = [(peer, b, seed, n, best, gap, found, None, secs)
            for b, (n, best, gap, found) in zip(budgets, graded)]
    gaps = ", ".join("-" if g[2] is None else f"{g[2]:.2f}%" for g in graded)
    line = (f"  {peer} seed {seed}: {len(problem.order)} designs, {problem.requests} asked, "
            f"{secs:.1f} s; gap at {budgets}: {gaps}")
    return rows, line


def run_all(runs, jobs):
    """`one_run` of each run, in the order given: here, or in `jobs` processes (spawned, not
    forked: the package's thread pool does not survive a fork)."""
    if jobs == 1:
        yield from map(one_run, runs)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        yield from pool.map(one_run, runs)


def ascending_numbers(values):
    """Whether a parameter's values are numbers (not flags) in ascending order."""
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    return numbers and all(a < b for a, b in zip(values, values[1:]))


def run_pymoo_ga(problem, seed, budget):
    """pymoo's GA with its defaults, on integers as pymoo documents it, generation by generation."""
    from pymoo.algorithms.soo.nonconvex.ga import GA
    from pymoo.operators.crossover.sbx import SBX
    from pymoo.operators.mutation.pm import PM
    from pymoo.operators.repair.rounding import RoundingRepair
    from pymoo.operators.sampling.rnd import IntegerRandomSampling

    algorithm = GA(
        sampling=IntegerRandomSampling(),
        crossover=SBX(vtype=float, repair=RoundingRepair()),
        mutation=PM(vtype=float, repair=RoundingRepair()),
    )
    algorithm.setup(problem, termination=("n_gen", 10**9), seed=seed, verbose=False)
    while (len(problem.order) < budget and problem.requests < REQUESTS_PER_BUDGET * budget
           and algorithm.has_next()):
        algorithm.next()


def run_pymoo_ga_paper(problem, seed, budget):
    """The paper's schedule (`paper_ga.search`), whole: it is never longer than 3,300 requests."""
    paper_ga.search(problem.space, problem, seed, log=lambda _: None)


RUNS = {"optuna-tpe": run_optuna_tpe, "pymoo-ga": run_pymoo_ga, "pymoo-ga-paper": run_pymoo_ga_paper}


def read_grading(folder):
    """The grading's inputs (run.toml's [args]) and certificate, checked."""
    d = Path(folder)
    try:
        run = tomllib.loads((d / "run.toml").read_text())
        cert = json.loads((d / "certified.json").read_text())
    except (OSError, ValueError) as e:
        raise Refused(f"--grading: {d} is not a folder written by `imcdse grade` ({e})") from None
    args = run.get("args", {})
    problems = [
        (run.get("command") != "grade", f"its run.toml's command is {run.get('command')!r}, not 'grade'"),
        (run.get("status") != "complete", "its grading is not complete: run `imcdse grade` into it again"),
        ("shard" in run, "it is one shard: merge the shards first (`imcdse merge`)"),
        ("evaluator" in run,
         "it was graded through an external evaluator; peers cost designs with the model"),
        (str(args.get("objective", "")).startswith("pareto"),
         "its objective is a front; peers are graded on a score"),
        (not isinstance(cert.get("best_score"), (int, float)) or not cert.get("key"),
         "its certified.json has no optimum"),
    ]
    for bad, why in problems:
        if bad:
            raise Refused(f"--grading: {d}: {why}")
    return args, cert


def check_model(problem, cert):
    """The certified best design must score the certified optimum here too."""
    space = problem.space
    if cert.get("designs") != space.size:
        raise Refused(f"--grading: its certificate covers {cert.get('designs')} designs, "
                      f"the space here has {space.size}")
    pairs = dict(p.split(" = ", 1) for p in cert.get("best_design", "").split(", ") if " = " in p)
    key = []
    for name, values in space.params.items():
        text = pairs.get(name)
        i = next((i for i, v in enumerate(values) if text is not None and same_value(v, text)), None)
        if i is None:
            raise Refused(f"--grading: its best design has no value of {name} in the space here: "
                          f"{cert.get('best_design')}")
        key.append(i)
    f, _ = problem.cost(tuple(key))
    if problem.score(tuple(key)) is None or abs(f / cert["best_score"] - 1) > 1e-9:
        raise Refused(
            f"the certified best design scores {f:.9g} through this Python package, the grading "
            f"certified {cert['best_score']:.9g}: the package is built from another model (reinstall "
            "it from this checkout: scripts/python/ci-test.sh) or the grading is stale (grade again)"
        )


def same_value(v, text):
    """Whether a space value is the one a certificate writes as `text`."""
    if isinstance(v, bool):
        return str(v).lower() == text.lower()
    if isinstance(v, (int, float)):
        try:
            return float(v) == float(text)
        except ValueError:
            return False
    # A certificate writes strings as TOML does, quoted.
    return str(v) == (text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text)


def grade_run(problem, budgets, optimum):
    """(evaluations, best feasible score or None, gap %, found) at each budget."""
    out = []
    for b in budgets:
        prefix = problem.order[:b]
        scores = [s for s in (problem.score(k) for k in prefix) if s is not None]
        best = min(scores) if scores else None
        gap = None if best is None else 100.0 * (best - optimum) / optimum
        found = best is not None and abs((best - optimum) / optimum) < 1e-12
        out.append((len(prefix), best, gap, found))
    return out


def count(flag, text, most):
    """`text` as an integer from 1 to `most`, else refused naming `flag`."""
    try:
        n = int(text)
    except ValueError:
        raise Refused(f"{flag}: {text!r} is not an integer") from None
    if not 1 <= n <= most:
        raise Refused(f"{flag}: must be 1..{most:,}, got {n}")
    return n


def parse_list(what, text, parse):
    items = [t.strip() for t in text.split(",")]
    try:
        return [parse(t) for t in items]
    except ValueError:
        raise Refused(f"{what}: {text!r} is not a comma-separated list of the allowed entries") from None


def known_peer(name):
    """`name` if it is a peer, else ValueError."""
    if name not in PEERS:
        raise ValueError(name)
    return name


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="Bounds and details: the module's docstring (head of this file).")
    ap.add_argument("--grading", required=True, metavar="DIR", help="a complete `imcdse grade` folder")
    ap.add_argument("--out", required=True, metavar="FILE", help="the Parquet file to write (.parquet)")
    ap.add_argument("--peers", default=",".join(PEERS), help=f"comma-separated, from {', '.join(PEERS)}")
    ap.add_argument("--budgets", default="100,300,1000", help="unique evaluations, each 1..100000")
    ap.add_argument("--seeds", default="10", help="1..1000: seeds 0..N-1")
    ap.add_argument("--jobs", default="1", help=f"1..{MAX_JOBS}: runs at once, each in its own process")
    a = ap.parse_args(argv)
    a.peers = parse_list("--peers", a.peers, known_peer)
    if len(set(a.peers)) != len(a.peers):
        raise Refused(f"--peers: {','.join(a.peers)} names a peer twice")
    a.budgets = sorted(set(parse_list("--budgets", a.budgets, int)))
    if a.budgets[0] < 1 or a.budgets[-1] > MAX_BUDGET:
        raise Refused(f"--budgets: each budget must be 1..{MAX_BUDGET:,}, got {a.budgets}")
    a.seeds = count("--seeds", a.seeds, MAX_SEEDS)
    a.jobs = count("--jobs", a.jobs, MAX_JOBS)
    out = Path(a.out)
    if out.suffix != ".parquet" or not out.parent.resolve().is_dir():
        raise Refused(f"--out: {out} must be a .parquet file in an existing folder")
    if out.exists() and not out.resolve().is_file():
        raise Refused(f"--out: {out} exists and is not a regular file")
    if out.resolve() == (Path(a.grading) / "grading.parquet").resolve():
        raise Refused(f"--out: {out} is the grading's own table, which holds our optimizers' rows: "
                      "write the peers' rows to another file (e.g. peers.parquet beside it)")
    return a


def write(path, rows, ident):
    """The rows as Parquet with grading.parquet's columns and types, then `ident`; atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = ["optimizer", "budget", "seed", "evaluations", "best_score", "gap_pct", "found_optimum",
             "hv_ratio", "run_seconds"]
    types = [pa.string(), pa.uint64(), pa.uint64(), pa.uint64(), pa.float64(), pa.float64(), pa.bool_(),
             pa.float64(), pa.float64()]
    cols = {n: pa.array([r[i] for r in rows], type=t) for i, (n, t) in enumerate(zip(names, types))}
    for k, v in ident.items():
        cols[k] = pa.array([v] * len(rows), type=pa.float64() if isinstance(v, float) else pa.string())
    tmp = Path(f"{path}.tmp-{os.getpid()}")
    try:
        pq.write_table(pa.table(cols), tmp, compression="snappy")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def main(argv=None):
    try:
        a = parse_args(argv)
        args, cert = read_grading(a.grading)
        space = imcdse.Space.load(args["space"], args.get("calibration"))
        if a.budgets[-1] > space.size:
            raise Refused(f"--budgets: {a.budgets[-1]:,} is more than the space's {space.size:,} designs")
        probe = Costed(space, args["workloads"], args["objective"], args.get("calibration"),
                       min_snr=args.get("min_snr"))
        check_model(probe, cert)
    except Refused as e:
        print(f"peers.py: {e}", file=sys.stderr)
        return 2
    optimum = float(cert["best_score"])
    ident = {"space": space.name, "workloads": ",".join(probe.workloads), "objective": args["objective"],
             "certificate": cert["key"], "optimum": optimum}
    print(f"peers: {space.name} on {ident['workloads']}, {ident['objective']}; optimum {optimum:.6e} "
          f"({cert['key']})", file=sys.stderr)
    runs = [(a.grading, peer, seed, a.budgets) for peer in a.peers for seed in range(a.seeds)]
    rows = []
    for run_rows, line in run_all(runs, a.jobs):
        rows += run_rows
        print(line, file=sys.stderr)
    write(a.out, rows, ident)
    print(f"peers: {len(rows)} rows in {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
