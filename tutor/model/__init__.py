"""model: plain data — the problem, the neuron graph, the derivation, the training schedule and the whole
answer-key grammar (`keys.py`: `y3.net`, `step2.`, `ex2.`, graph keys) and which keys count (`keyset.py`).
Imports maths and base only.
"""
