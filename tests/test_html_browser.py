"""The HTML page of every shipped problem in a real browser: Debian's headless Chromium (`.ci/run` installs
it; nothing is downloaded at test time).

Per page one launch with `--dump-dom`: the test writes a copy of the page with a small measuring script that
records, after layout, how many MathML elements have a rendered size, where each SVG is, and any script
error, into the DOM; Chromium's console messages (`--enable-logging=stderr`) must hold no error. Then one
`--screenshot` per page (light, and dark for a few): the image must not be blank.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import PROBLEMS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run apt-installs it)")
SHIPPED = sorted(PROBLEMS.glob("*.yaml"))
DARK = {"relu-exercise", "computation-graph", "xor-data"}
PROBE = """<script>
window.__errors = [];
window.addEventListener("error", e => window.__errors.push(String(e.message)));
window.addEventListener("load", () => {
  const maths = [...document.querySelectorAll("math")];
  const sized = maths.filter(m => { const r = m.getBoundingClientRect(); return r.width > 0 && r.height > 0; });
  const page = document.documentElement.scrollWidth;
  const svgs = [...document.querySelectorAll("svg")].map(s => {
    const r = s.getBoundingClientRect(); return [r.left, r.top + scrollY, r.width, r.height, page]; });
  const out = document.createElement("pre");
  out.id = "nnstep-probe";
  out.textContent = JSON.stringify({maths: maths.length, sized: sized.length, svgs, errors: window.__errors});
  document.body.appendChild(out);
});
</script>"""
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1000,1400"]


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *FLAGS, "--enable-logging=stderr", "--v=0", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _page(problem: Path, folder: Path) -> Path:
    from tutor.engines.solver import solve_any
    from tutor.render.html import page

    out = folder / f"{problem.stem}.html"
    out.write_text(page(solve_any(problem)), encoding="utf-8")
    return out


def _console_errors(stderr: str) -> list[str]:
    """Chromium's lines for console messages and uncaught errors (not its own D-Bus or GPU chatter)."""
    return [line for line in stderr.splitlines() if re.search(r"CONSOLE\(|Uncaught|:ERROR:CONSOLE", line)]


def _not_blank(png: Path) -> float:
    """The share of pixels that differ from the corner's (the background)."""
    from PIL import Image

    with Image.open(png) as image:
        data = image.convert("RGB").resize((200, 280)).tobytes()
    pixels = [tuple(data[i : i + 3]) for i in range(0, len(data), 3)]
    background = pixels[0]
    return sum(1 for p in pixels if max(abs(a - b) for a, b in zip(p, background, strict=True)) > 40) / len(pixels)


@pytest.mark.parametrize("problem", SHIPPED, ids=lambda p: p.stem)
def test_the_page_renders_in_chromium(problem: Path, tmp_path: Path) -> None:
    page = _page(problem, tmp_path)
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html  # the page needs none; the probe is added to a copy only
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</head>", PROBE + "\n</head>", 1), encoding="utf-8")
    run = _chromium("--virtual-time-budget=5000", "--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="nnstep-probe">(.*?)</pre>', run.stdout, re.S)
    assert found, run.stderr[-2000:]
    facts = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert facts["errors"] == [] and _console_errors(run.stderr) == []
    assert facts["maths"] > 5 and facts["sized"] == facts["maths"], facts  # every formula laid out with a size
    assert facts["svgs"], "no drawing"
    for left, top, width, height, page_width in facts["svgs"]:
        assert width > 100 and height > 50 and left >= 0 and left + width <= page_width + 1 and top >= 0
    shot = tmp_path / "shot.png"
    dark = ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"] if problem.stem in DARK else []
    _chromium(*dark, f"--screenshot={shot}", page.as_uri())
    assert shot.exists() and _not_blank(shot) > 0.02
