"""The loss curve of a training run: which epochs to list, a text plot, a PNG, a pgfplots figure.

The text plot draws on a log scale when the loss spans more than two decades (it usually does).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path

from tutor.errors import InputError
from tutor.fileio import write_atomic
from tutor.render.figures import figure

BARS = "▁▂▃▄▅▆▇█"
IMAGE_FORMATS = ("png", "pdf", "svg", "jpg", "jpeg")


def thin(n: int, rows: int = 12) -> list[int]:
    """At most about `rows` 1-based epochs out of n: the first ones, evenly spaced ones, the last."""
    if n <= rows:
        return list(range(1, n + 1))
    picks = {1, 2, 3, n}
    picks.update(round(1 + i * (n - 1) / (rows - 3)) for i in range(rows - 3))
    return sorted(picks)


def _scaled(values: Sequence[float]) -> tuple[list[float], bool]:
    """Values in [0, 1] for drawing, and whether the scale is logarithmic."""
    positive = [v for v in values if v > 0]
    log = bool(positive) and min(positive) > 0 and max(positive) / min(positive) > 100
    ys = [math.log10(max(v, min(positive))) for v in values] if log else list(values)
    lo, hi = min(ys), max(ys)
    span = hi - lo or 1.0
    return [(y - lo) / span for y in ys], log


def _resample(values: Sequence[float], width: int) -> list[float]:
    if len(values) <= width:
        return list(values)
    return [values[min(len(values) - 1, round(i * (len(values) - 1) / (width - 1)))] for i in range(width)]


def sparkline(values: Sequence[float], width: int = 60) -> str:
    scaled, _ = _scaled(_resample(values, width))
    return "".join(BARS[min(len(BARS) - 1, int(s * len(BARS)))] for s in scaled)


def text_plot(values: Sequence[float], width: int = 60, height: int = 8) -> list[str]:
    """A small character plot of the loss by epoch, with the axis range written beside it."""
    points = _resample(values, width)
    scaled, log = _scaled(points)
    grid = [[" "] * len(points) for _ in range(height)]
    for x, s in enumerate(scaled):
        grid[height - 1 - min(height - 1, int(s * (height - 1) + 0.5))][x] = "•"
    top, bottom = f"{max(values):.3g}", f"{min(values):.3g}"
    pad = max(len(top), len(bottom))
    rows = [
        f"{(top if i == 0 else bottom if i == height - 1 else ''):>{pad}} │{''.join(r)}" for i, r in enumerate(grid)
    ]
    rows.append(" " * pad + " └" + "─" * len(points))
    rows.append(" " * pad + f"  epoch 1 … {len(values)}" + ("   (log scale)" if log else ""))
    return rows


def write_png(values: Sequence[float], path: Path, title: str = "") -> None:
    """The curve as a PNG with matplotlib (the optional `plot` extra)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InputError("--plot needs matplotlib: pip install 'nnstep[plot]'") from None
    kind = path.suffix.lower().lstrip(".") or "png"
    if kind not in IMAGE_FORMATS:
        raise InputError(f"--plot: cannot write a .{kind} image; use .png, .pdf or .svg", file=str(path))
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(range(1, len(values) + 1), values)
    if min(values) > 0 and max(values) / min(values) > 100:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(title)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format=kind, dpi=120)
    plt.close(fig)
    write_atomic(path, buffer.getvalue())


def pgfplots(values: Sequence[float], max_points: int = 200) -> str:
    """A LaTeX pgfplots figure of the curve (needs \\usepackage{pgfplots}); for the LaTeX renderer (a figure
    of kind "curve": the HTML page draws it as SVG)."""
    return figure("curve", _pgfplots, values, max_points)


def _pgfplots(values: Sequence[float], max_points: int = 200) -> str:
    n = len(values)
    picks = sorted({1, n, *(round(1 + i * (n - 1) / (max_points - 1)) for i in range(max_points))}) if n > 1 else [1]
    coords = " ".join(f"({e},{values[e - 1]:.6g})" for e in picks if 1 <= e <= n)
    axis = "semilogyaxis" if min(values) > 0 and max(values) / min(values) > 100 else "axis"
    return (
        "\\begin{tikzpicture}\n"
        f"\\begin{{{axis}}}[width=10cm, height=5cm, xlabel={{epoch}}, ylabel={{loss}}]\n"
        f"\\addplot[thick, blue, mark=none] coordinates {{{coords}}};\n"
        f"\\end{{{axis}}}\n"
        "\\end{tikzpicture}\n"
    )
