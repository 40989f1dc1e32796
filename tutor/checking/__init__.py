"""checking: a student's answers against a result — one check-model protocol (`checkmodel.py`) with its
network, data-set and graph models (picked in `models.py`), tolerance and carried-forward credit (`check.py`),
mistake models and their diagnosis, hint ladders built from data, and the answer key text. Imports engines and
below, never a view.
"""
