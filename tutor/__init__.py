"""nnstep: a step-by-step backpropagation tutor.

The pipeline: `tutor.files.loader` (YAML → `Problem`), `tutor.model.network` (the neuron graph), `tutor.engines.exact`
(exact SymPy derivation), `tutor.engines.floats` (independent NumPy float64 engine), `tutor.render.*`
(terminal, LaTeX, JSON views of a `Derivation`), `tutor.cli` (thin typer app).
"""

__version__ = "0.1.0"
