"""The pymoo and Optuna adapters run 200 evaluations each, and what they tell the optimizer is
what `imcdse.evaluate` and `imcdse.score` say of the same designs."""

import math

import numpy as np
import pytest


def test_pymoo_ga_runs_200_evaluations():
    pytest.importorskip("pymoo")
    import imcdse.pymoo
    from pymoo.algorithms.soo.nonconvex.ga import GA
    from pymoo.operators.crossover.sbx import SBX
    from pymoo.operators.mutation.pm import PM
    from pymoo.operators.repair.rounding import RoundingRepair
    from pymoo.operators.sampling.rnd import IntegerRandomSampling
    from pymoo.optimize import minimize

    problem = imcdse.pymoo.Problem("paper-sram", "paper4", "max-ela")
    assert (problem.n_var, problem.n_obj, problem.n_ieq_constr) == (8, 1, 2)
    algorithm = GA(
        pop_size=20,
        sampling=IntegerRandomSampling(),
        crossover=SBX(prob=1.0, eta=3.0, vtype=float, repair=RoundingRepair()),
        mutation=PM(prob=1.0, eta=3.0, vtype=float, repair=RoundingRepair()),
        eliminate_duplicates=True,
    )
    res = minimize(problem, algorithm, ("n_evals", 200), seed=1, verbose=False)
    assert problem.evaluations == res.algorithm.evaluator.n_eval == 200
    assert res.X is not None
    x = np.asarray(res.X, dtype=np.int64).reshape(1, -1)
    again = imcdse.evaluate("paper-sram", x)
    assert again["feasible"][0]
    assert math.isclose(float(res.F[0]), float(imcdse.score(again)[0]), rel_tol=0, abs_tol=0)
    # The constraints are what decides feasibility.
    pop = res.pop
    g = pop.get("G")
    check = imcdse.evaluate("paper-sram", np.asarray(pop.get("X"), dtype=np.int64))
    np.testing.assert_array_equal((g <= 0).all(axis=1), check["feasible"])


def test_pymoo_nsga2_on_pareto_has_three_objectives():
    pytest.importorskip("pymoo")
    import imcdse.pymoo
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.operators.crossover.sbx import SBX
    from pymoo.operators.mutation.pm import PM
    from pymoo.operators.repair.rounding import RoundingRepair
    from pymoo.operators.sampling.rnd import IntegerRandomSampling
    from pymoo.optimize import minimize

    problem = imcdse.pymoo.Problem(imcdse.Space.load("paper-rram"), "paper4", "pareto", threads=1)
    algorithm = NSGA2(
        pop_size=40,
        sampling=IntegerRandomSampling(),
        crossover=SBX(prob=0.9, eta=15, vtype=float, repair=RoundingRepair()),
        mutation=PM(eta=20, vtype=float, repair=RoundingRepair()),
        eliminate_duplicates=True,
    )
    res = minimize(problem, algorithm, ("n_evals", 200), seed=2, verbose=False)
    assert problem.evaluations == 200
    f = np.atleast_2d(res.F)
    assert f.shape[1] == 3 and (f > 0).all()


def test_optuna_runs_200_trials():
    optuna = pytest.importorskip("optuna")
    import imcdse.optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    f = imcdse.optuna.objective("paper-rram", "paper4", "max-ela")
    if hasattr(optuna.trial.Trial, "set_constraint"):
        sampler = optuna.samplers.TPESampler(seed=3)
    else:
        sampler = optuna.samplers.TPESampler(seed=3, constraints_func=imcdse.optuna.constraints)
    study = optuna.create_study(direction="minimize", sampler=sampler)
    study.optimize(f, n_trials=200)
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(done) == 200
    feasible = [t for t in done if t.user_attrs["feasible"]]
    assert feasible, "200 TPE trials find a feasible design of paper-rram"
    best = min(feasible, key=lambda t: t.value)
    space = f.space
    res = imcdse.evaluate(space, [best.params])
    assert res["feasible"][0]
    assert best.value == float(imcdse.score(res)[0])
    for t in done:
        assert (max(t.user_attrs["constraints"]) <= 0) == t.user_attrs["feasible"]
        assert t.params.keys() == set(space.names)


def test_optuna_pareto_returns_three_values():
    optuna = pytest.importorskip("optuna")
    import imcdse.optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    f = imcdse.optuna.objective("demo", "resnet18,alexnet", "pareto")
    study = optuna.create_study(directions=["minimize"] * 3, sampler=optuna.samplers.RandomSampler(seed=1))
    study.optimize(f, n_trials=20)
    assert all(len(t.values) == 3 for t in study.trials)


def test_pymoo_pareto_snr_has_four_objectives_the_fourth_minus_the_worst_snr():
    pytest.importorskip("pymoo")
    import imcdse.pymoo

    space = imcdse.Space.load("demo")
    problem = imcdse.pymoo.Problem(space, "resnet18,alexnet", "pareto-snr", threads=1)
    assert problem.n_obj == 4
    x = space.sample(6, seed=4)
    out = {}
    problem._evaluate(x, out)
    res = imcdse.evaluate(space, x, workloads="resnet18,alexnet")
    worst = np.minimum(res["resnet18__snr_db"], res["alexnet__snr_db"])
    assert out["F"].shape == (6, 4)
    np.testing.assert_allclose(out["F"][:, 3], -worst)
