"""nnstep: a step-by-step backpropagation tutor.

The pipeline: `tutor.loader` (YAML → `Problem`), `tutor.network` (the neuron graph), `tutor.engine`
(exact SymPy derivation), `tutor.numeric` (independent NumPy float64 engine), `tutor.render.*`
(terminal, LaTeX, JSON views of a `Derivation`), `tutor.cli` (thin typer app).
"""

__version__ = "0.1.0"
