"""Every activation of the registry through every view that reads the LaTeX document back (HTML's MathML,
Markdown): those readers refuse a LaTeX command they do not know, so an activation whose formula uses a new
one (tanh's `\\tanh` once broke every tanh network's page) fails here, not in a user's hands."""

from __future__ import annotations

import pytest

import tutor
from tutor.maths.activations import ACTIVATIONS

SCALAR = [name for name, entry in ACTIVATIONS.items() if not entry.group]

PROBLEM = """\
inputs: {{x1: 0.5, x2: -1}}
neurons:
  h1: {{inputs: {{x1: w1, x2: w2}}, bias: b1, activation: {act}}}
  y: {{inputs: {{h1: w3}}, activation: sigmoid}}
parameters: {{w1: 0.3, w2: -0.2, w3: 0.7, b1: 0.1}}
targets: {{y: 1}}
loss: half_sse
learning_rate: 0.5
"""


@pytest.mark.parametrize("activation", SCALAR)
def test_every_activation_reaches_every_view(activation: str) -> None:
    solution = tutor.solve(text=PROBLEM.format(act=activation))
    page, markdown, latex = solution.html(page=True), solution.markdown(), solution.latex()
    assert page.count("<math") > 20 and "<svg" in page
    assert "$$" in markdown and "\\begin{aligned}" in markdown
    for text in (page, markdown, latex):
        assert "0.5" in text  # the learning rate and x1 reach every view
