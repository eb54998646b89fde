#!/usr/bin/env python3
"""The paper's genetic algorithm, in pymoo, over imcdse's model through `imcdse.pymoo`; then the
gap of its best design to the certified optimum of the space (an exhaustive sweep).

Krestinskaya et al.'s search (reference/paper-framework.md, section 6): 1,000 random designs
(RRAM: only those whose weights fit), 500 of them picked by max-min Hamming distance and costed,
the best 70 start a GA; then four GA phases of population 70 x 10 generations, SBX and PM on a
rounded integer genome, from exploration to fine-tuning; phases 2-4 restart from the best 70
designs so far (area-feasible first). Every design is costed once (the paper's database of
results): a design asked for again is answered from it.

    python scripts/python/paper_ga.py [--space paper-rram] [--workloads paper4] [--seed 1]

`search` runs the search alone on a `Database`; scripts/python/peers.py grades it that way.
"""

import argparse
import tempfile
import time

import imcdse
import imcdse.pymoo
import numpy as np
from pymoo.algorithms.soo.nonconvex.ga import GA
from pymoo.core.population import Population
from pymoo.operators.crossover.sbx import SBX
from pymoo.operators.mutation.pm import PM
from pymoo.operators.repair.rounding import RoundingRepair
from pymoo.optimize import minimize

# (SBX probability, PM probability, eta of both): early exploration, transition, convergence,
# fine-tuning.
PHASES = [(1.0, 1.0, 3.0), (0.9, 0.5, 7.0), (1.0, 0.2, 15.0), (1.0, 0.05, 25.0)]
POPULATION, GENERATIONS, DRAWN, KEPT = 70, 10, 1000, 500


class Database(imcdse.pymoo.Problem):
    """The adapter with the paper's database: each distinct design is costed once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.db = {}  # value indices -> (score, constraints)
        self.requests = 0

    def _evaluate(self, X, out, *args, **kwargs):
        keys = [tuple(int(v) for v in x) for x in np.rint(np.asarray(X, dtype=float))]
        self.requests += len(keys)
        new = sorted({k for k in keys if k not in self.db})
        if new:
            part = {}
            super()._evaluate(np.array(new, dtype=float), part)
            for k, f, g in zip(new, part["F"][:, 0], part["G"]):
                self.db[k] = (float(f), g.copy())
        out["F"] = np.array([[self.db[k][0]] for k in keys])
        out["G"] = np.array([self.db[k][1] for k in keys])

    def best(self, n, rng):
        """The `n` best designs so far: area-feasible by score, then the rest by how far they
        are from feasible, then random unseen designs."""
        rows = sorted(self.db.items(), key=lambda kv: (max(kv[1][1].max(), 0.0), kv[1][0]))
        picked = [np.array(k) for k, _ in rows[:n]]
        while len(picked) < n:
            x = tuple(int(rng.integers(0, s)) for s in self.space.sizes)
            if x not in self.db:
                picked.append(np.array(x))
        return np.array(picked, dtype=float)


def hamming_pick(x, k):
    """`k` rows of `x` by max-min Hamming distance, starting from the first."""
    chosen = [0]
    nearest = (x != x[0]).sum(axis=1)
    for _ in range(k - 1):
        i = int(np.argmax(nearest))
        chosen.append(i)
        nearest = np.minimum(nearest, (x != x[i]).sum(axis=1))
    return x[chosen]


def search(space, problem, seed, log=print):
    """The paper's whole search with `seed` on `problem` (a `Database` over `space`): phase 0,
    then the four GA phases; every design it costs is in `problem.db`, in the order first costed."""
    rng = np.random.default_rng(seed)
    # Phase 0: random designs (RRAM: whose weights fit, checked without costing them in the
    # paper), 500 of 1,000 by Hamming distance, all 500 costed.
    pool = []
    draw = seed
    while sum(len(p) for p in pool) < DRAWN:
        x = space.sample(min(space.size, 20 * DRAWN), seed=draw)
        if space.size <= 20 * DRAWN:
            # The whole space: a sample of every design comes in index order whatever the
            # seed (Floyd's draw fixes the set, not the order), so the seed shuffles it.
            x = x[rng.permutation(len(x))]
        draw += 1_000_003
        if space.constraints.get("weights_on_chip"):
            fits = imcdse.evaluate(space, x, problem.workloads, constraints=True)["capacity_violation"] <= 0
            x = x[fits]
        pool.append(x)
    drawn = np.concatenate(pool)[:DRAWN]
    population = hamming_pick(drawn, KEPT).astype(float)
    problem.evaluate(population)
    log(f"phase 0: {len(problem.db)} designs costed")

    for phase, (pc, pm, eta) in enumerate(PHASES, start=1):
        algorithm = GA(
            pop_size=POPULATION,
            sampling=Population.new("X", problem.best(POPULATION, rng)),
            crossover=SBX(prob=pc, eta=eta, vtype=float, repair=RoundingRepair()),
            mutation=PM(prob=pm, eta=eta, vtype=float, repair=RoundingRepair()),
            eliminate_duplicates=True,
        )
        minimize(problem, algorithm, ("n_gen", GENERATIONS), seed=seed + phase, verbose=False)
        log(f"phase {phase}: {len(problem.db)} designs costed, best {best_feasible(problem)[1]:.6g}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--space", default="paper-rram")
    ap.add_argument("--workloads", default="paper4")
    ap.add_argument("--objective", default="max-ela")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    space = imcdse.Space.load(args.space)
    problem = Database(space, args.workloads, args.objective)

    start = time.perf_counter()
    search(space, problem, args.seed)
    searched = time.perf_counter() - start

    x, score = best_feasible(problem)
    design = {n: space.params[n][int(i)] for n, i in zip(space.names, x)}
    print(f"requests: {problem.requests}; designs costed: {len(problem.db)}; "
          f"costing time: {problem.evaluation_seconds:.3f} s; whole search: {searched:.2f} s")
    print(f"best design: {design}")
    print(f"best {args.objective}: {score:.6g}")

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        ex = imcdse.sweep(space=args.space, workloads=args.workloads, objective=args.objective,
                          optimizer="exhaustive", top=1, out=f"{tmp}/exhaustive")
        optimum = float(imcdse.score(ex.table("evaluations", "pandas"), args.objective)[0])
        print(f"certified optimum (exhaustive, {space.size:,} designs, {time.perf_counter() - t:.1f} s): "
              f"{optimum:.6g}")
    print(f"gap to the certified optimum: {100 * (score / optimum - 1):.2f}%")


def best_feasible(problem):
    rows = [(f, k) for k, (f, g) in problem.db.items() if (g <= 0).all()]
    if not rows:
        return None, float("nan")
    f, k = min(rows)
    return np.array(k), f


if __name__ == "__main__":
    main()
