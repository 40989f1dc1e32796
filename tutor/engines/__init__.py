"""engines: what is computed — the exact engine (`exact.py`), the independent float64 engine (`floats.py`),
their cross-check, computation graphs, the layer form's matrix view, data-set training and replay, and the one
front door from a path to a cross-checked result (`solver.py`). Imports files and below.
"""
