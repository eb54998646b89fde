#!/usr/bin/env python3
"""Throughput of the Python package (issue 15's figures), reported as medians, never asserted:

1. `imcdse.evaluate` on batches of 100,000 random paper-rram designs on paper4 (a fresh batch
   each repetition, so the model's per-thread memo of layer replications does not see the same
   designs twice): the first batch of the process, then the median of the rest, on every core
   and on one thread;
2. 1,000 designs through the pymoo adapter (GA, population 100, 10 generations): the time spent
   costing them, in all;
3. for scale, `imcdse eval --json`, one process per design, as a user without the package would
   drive it (100 designs);
4. the Rust criterion figure of one design on paper4 (`eval_paper4_planned`), when
   `cargo bench -p imc-model --bench eval -- eval_paper4_planned` has been run, and the ratio.

    python scripts/python/bench.py [--repeats 6] [--cli target/release/imcdse]
"""

import argparse
import json
import os
import statistics
import subprocess
import time
from pathlib import Path

import imcdse

ROOT = Path(__file__).resolve().parents[2]


def batches(space, n, repeats, threads):
    rates = []
    for r in range(repeats):
        x = space.sample(n, seed=1000 * r + (threads or 0))
        t = time.perf_counter()
        imcdse.evaluate(space, x, "paper4", threads=threads)
        rates.append(n / (time.perf_counter() - t))
    return rates


def pymoo_run():
    import imcdse.pymoo
    from pymoo.algorithms.soo.nonconvex.ga import GA
    from pymoo.operators.crossover.sbx import SBX
    from pymoo.operators.mutation.pm import PM
    from pymoo.operators.repair.rounding import RoundingRepair
    from pymoo.operators.sampling.rnd import IntegerRandomSampling
    from pymoo.optimize import minimize

    problem = imcdse.pymoo.Problem("paper-rram", "paper4", "max-ela")
    algorithm = GA(pop_size=100, sampling=IntegerRandomSampling(),
                   crossover=SBX(prob=1.0, eta=3.0, vtype=float, repair=RoundingRepair()),
                   mutation=PM(prob=1.0, eta=3.0, vtype=float, repair=RoundingRepair()),
                   eliminate_duplicates=True)
    t = time.perf_counter()
    minimize(problem, algorithm, ("n_evals", 1000), seed=1, verbose=False)
    return problem.evaluations, problem.evaluation_seconds, time.perf_counter() - t


def cli_per_design(cli, space, n):
    x = space.sample(n, seed=77)
    t = time.perf_counter()
    for row in x:
        design = {k: space.params[k][i] for k, i in zip(space.names, row)}
        sets = ",".join(f"{k}={v}" for k, v in design.items())
        subprocess.run([cli, "eval", "--space", "paper-rram", "--set", sets, "--json"],
                       cwd=ROOT, check=True, capture_output=True)
    return (time.perf_counter() - t) / n


def criterion_us():
    path = ROOT / "target/criterion/eval_paper4_planned/new/estimates.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())["median"]["point_estimate"] / 1000.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--designs", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=6)
    ap.add_argument("--cli", default=str(ROOT / "target/release/imcdse"))
    args = ap.parse_args()
    space = imcdse.Space.load("paper-rram")
    cores = os.cpu_count()
    all_cores = batches(space, args.designs, args.repeats, None)
    one = batches(space, args.designs, max(2, args.repeats // 2), 1)
    print(f"machine: {cores} cores; imcdse {imcdse.__version__}")
    print(f"evaluate, {args.designs:,} random paper-rram designs on paper4:")
    print(f"  all cores: first batch {all_cores[0]:,.0f} designs/s; median of the next "
          f"{len(all_cores) - 1}: {statistics.median(all_cores[1:]):,.0f} designs/s")
    print(f"  one thread: first batch {one[0]:,.0f} designs/s; median of the next {len(one) - 1}: "
          f"{statistics.median(one[1:]):,.0f} designs/s "
          f"({1e6 / statistics.median(one[1:]):.1f} us per design)")
    us = criterion_us()
    if us is not None:
        rust = 1e6 / us
        print(f"  Rust criterion eval_paper4_planned: {us:.1f} us per design ({rust:,.0f}/s on one thread; "
              f"x{cores} cores = {rust * cores:,.0f}/s); all cores here reach "
              f"{statistics.median(all_cores[1:]) / (rust * cores):.2f} of that")
    try:
        n, costing, whole = pymoo_run()
        print(f"pymoo GA through imcdse.pymoo: {n} designs, {costing:.3f} s costing them "
              f"({whole:.2f} s with pymoo's own work)")
    except ImportError:
        print("pymoo is not installed: its figure is skipped")
    if Path(args.cli).exists():
        per = cli_per_design(args.cli, space, 100)
        print(f"one `imcdse eval --json` process per design: {1000 * per:.1f} ms per design "
              f"({1 / per:,.0f} designs/s)")


if __name__ == "__main__":
    main()
