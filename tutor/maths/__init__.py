"""maths: what the numbers and formulas are, with no problem in sight.

One registry of activations (`activations.py`) and of losses (`losses.py`): each entry holds its exact and float
forms, its derivative, its vectorised form, its terminal and LaTeX formula, its parameters and defaults.
`functions.py` is the engines' one door to them; `formula.py` a formula tree printed with one bracketing rule;
`termtext.py` the terminal text of numbers and chain-rule formulas (shared by the terminal view and the hints);
`expr.py`/`expr_syntax.py` the safe expression grammar (never eval); `numfmt.py` number formatting; `exactnum.py`
SymPy/mpmath, imported on first use. Imports only the base modules.
"""
