"""The one place that picks the check model of a solved problem by its form (network, data set, graph)."""

from __future__ import annotations

from typing import Any

from tutor.checking.checkmodel import CheckModel, NetworkModel
from tutor.checking.datacheck import DataSetModel
from tutor.checking.graphcheck import GraphModel
from tutor.engines.graph import GraphDerivation


def check_model(derivation: Any) -> CheckModel:
    """The check model of a solved problem of any form."""
    if isinstance(derivation, GraphDerivation):
        return GraphModel(derivation)
    if derivation.problem.data:
        return DataSetModel(derivation)
    return NetworkModel(derivation)
