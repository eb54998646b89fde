"""imcdse: joint hardware-workload design-space exploration of In-Memory-Computing accelerators.

The analytic cost model in-process, in batches, at the model's own speed::

    import imcdse
    space = imcdse.Space.load("paper-rram")
    results = imcdse.evaluate(space, space.sample(10_000, seed=1), workloads="paper4")
    scores = imcdse.score(results, "max-ela")

`imcdse.sweep`, `imcdse.compare` and `imcdse.grade` run the CLI's studies and return their
results folders. `imcdse.import_onnx` turns an ONNX file into a workload (an `.onnx` path also
works wherever a workload name does). Adapters: `imcdse.pymoo.Problem` (needs pymoo) and `imcdse.optuna.objective`
(needs optuna). Errors are `ValueError` or `FileNotFoundError` with the CLI's messages.
"""

from ._evaluate import evaluate, score, workloads
from ._native import MODEL, __version__
from ._onnx import Imported, import_onnx
from ._space import Space
from ._studies import Study, compare, grade, sweep

__all__ = [
    "Imported",
    "MODEL",
    "Space",
    "Study",
    "__version__",
    "compare",
    "evaluate",
    "grade",
    "import_onnx",
    "score",
    "sweep",
    "workloads",
]
