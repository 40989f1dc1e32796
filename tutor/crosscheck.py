"""Cross-check the exact derivation against the independent float64 engine."""

from __future__ import annotations

import math

from tutor.derivation import Derivation
from tutor.errors import CrossCheckError
from tutor.numeric import solve_numeric

REL_TOL = 1e-9
ABS_TOL = 1e-12  # values that cancel to zero exactly come out of float64 as ~1e-17


def cross_check(derivation: Derivation, numeric: dict[str, float] | None = None) -> dict[str, float]:
    """Raise CrossCheckError naming every quantity where the engines disagree; return the float values."""
    numeric = numeric if numeric is not None else solve_numeric(derivation.problem)
    bad = []
    for key, exact in derivation.values().items():
        a, b = float(exact), numeric[key]
        if not math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL):
            bad.append(f"{key}: exact {a!r} vs float64 {b!r}")
    if bad:
        shown = "\n  ".join(bad[:10])
        more = f"\n  … and {len(bad) - 10} more" if len(bad) > 10 else ""
        raise CrossCheckError(
            f"the SymPy and NumPy engines disagree beyond {REL_TOL:g} relative — this is a bug in nnstep, "
            f"please report it with the problem file:\n  {shown}{more}"
        )
    return numeric
