"""nnstep: a step-by-step backpropagation tutor.

The pipeline: `tutor.files.loader` (YAML → `Problem`), `tutor.model.network` (the neuron graph), `tutor.engines.exact`
(exact SymPy derivation), `tutor.engines.floats` (independent NumPy float64 engine), `tutor.render.*`
(terminal, JSON, LaTeX, Markdown views of a `Derivation`), `tutor.api` (`tutor.solve`, for notebooks),
`tutor.cli` (thin typer app).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """`tutor.solve` and `tutor.Solution`, imported on first use: `import tutor` stays instant."""
    if name in ("solve", "Solution"):
        from tutor.api import solution

        return getattr(solution, name)
    raise AttributeError(f"module 'tutor' has no attribute {name!r}")
