"""Randomised variants of a problem with a `vary:` section: sampling, degeneracy and "nice" checks, search.

Every candidate has its own seed, `candidate_seed(master, label)` (sha256, stable across Python versions and
runs; never `hash()`), and `sample(problem, seed)` draws its values from `random.Random(seed)` alone, so a
variant is reproduced from the seed recorded in its file. Candidates are screened with the float64 engine
(`tutor.engines.floats`), which is cheap; only `nice` survivors are derived exactly.

Rejected as degenerate (`degeneracy`):
- a saturated sigmoid or tanh: |net| > `SATURATION` (its derivative is ~0; nothing to learn from);
- outputs already on target: loss 0, or every gradient 0;
- a dead layer: every neuron at one depth has δ = 0 (e.g. all its ReLUs off), which zeroes every gradient
  before it.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from tutor.engines.floats import solve_numeric
from tutor.errors import InputError
from tutor.escape import csv_read
from tutor.model.keys import read_key
from tutor.model.network import Network
from tutor.model.problem import Problem

SATURATION = 6  # |net| beyond which a sigmoid counts as saturated
TRIES_PER_VARIANT = 2000  # candidates drawn per wanted variant before giving up
NICE_DECIMALS = 2
ZERO = 1e-12  # exact ReLU/identity networks give exact zeros; this only absorbs float noise

Values = dict[str, Fraction]


@dataclass(frozen=True)
class Variant:
    id: str  # v001, …
    seed: int  # the candidate seed: `sample(base, seed)` gives `values` again
    values: Values  # the varied names and the values drawn for them
    problem: Problem  # the concrete exercise, `variant` set, no `vary`
    student: str | None = None  # roster mode: whose variant it is


@dataclass
class Search:
    """The state of a search: variants found, candidates tried, why others were rejected."""

    base: Problem
    nice: bool = False
    found: list[Variant] = field(default_factory=list)
    tried: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    seen: set[tuple[Fraction, ...]] = field(default_factory=set)
    missing: list[str] = field(default_factory=list)  # roster mode: students left without a variant

    def summary(self) -> str:
        reasons = ", ".join(f"{n} {why}" for why, n in sorted(self.rejected.items(), key=lambda r: (-r[1], r[0])))
        return f"tried {self.tried} candidate(s)" + (f"; rejected: {reasons}" if reasons else "")


def candidate_seed(master: int | str, label: str) -> int:
    """A 64-bit seed from the master seed and a label (a candidate number, a student id)."""
    digest = hashlib.sha256(f"nnstep-variant\0{master}\0{label}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def vary_of(problem: Problem) -> Mapping[str, Any]:
    if problem.data:
        raise InputError(f"{problem.source}: variants of a data set are not supported; vary a single example")
    if not problem.vary:
        raise InputError(f"{problem.source}: the problem has no vary: section, so there is nothing to vary")
    return problem.vary


def load_varied(path: str | Path) -> Problem:
    """A problem file to draw variants from: a network with a `vary:` section (InputError otherwise)."""
    from tutor.engines.graph import GraphProblem
    from tutor.engines.solver import load_any

    problem = load_any(path)
    if isinstance(problem, GraphProblem):
        raise InputError(f"{path}: variants need a network with a vary: section; a computation graph has none")
    vary_of(problem)
    return problem


def range_of(spec: Mapping[str, Fraction]) -> tuple[Fraction, Fraction, int]:
    """`{min, max, step}` as (min, step, how many values), without listing them."""
    return spec["min"], spec["step"], int((spec["max"] - spec["min"]) // spec["step"]) + 1


def sample(problem: Problem, seed: int) -> Values:
    """The values of one candidate, drawn in the order of the `vary:` section."""
    rng = random.Random(seed)
    values: Values = {}
    for name, spec in vary_of(problem).items():
        if "choices" in spec:
            values[name] = spec["choices"][rng.randrange(len(spec["choices"]))]
        else:
            low, step, count = range_of(spec)
            values[name] = low + step * rng.randrange(count)
    return values


def instantiate(problem: Problem, values: Mapping[str, Fraction], variant: Mapping[str, object]) -> Problem:
    """The problem with `values` put in (parameters, inputs, learning rate), no vary, `variant` recorded."""
    params = {k: values.get(k, v) for k, v in problem.parameters.items()}
    inputs = {k: values.get(k, v) for k, v in problem.inputs.items()}
    rate = values.get("learning_rate", problem.learning_rate)
    if rate <= 0:
        raise InputError(f"{problem.source}: vary: the learning rate must stay positive, drew {rate}")
    return replace(problem, parameters=params, inputs=inputs, learning_rate=rate, vary=None, variant=dict(variant))


def degeneracy(problem: Problem, values: Mapping[str, float], network: Network | None = None) -> str | None:
    """Why the variant is no good as an exercise ("saturated sigmoid", …), None when it is fine.

    `values`: `solve_numeric`'s; saturation is looked for in every step, the rest in the first."""
    network = network or Network(problem)
    for key, x in values.items():
        parsed = read_key(key)  # `step2.y3.net` and a data set's `ex2.y3.net` are about y3 too
        neuron = problem.neurons.get(parsed.subject) if parsed.quantity == "net" else None
        if neuron and neuron.activation.name in ("sigmoid", "tanh") and abs(x) > SATURATION:
            return "saturated sigmoid"
    if abs(values["loss"]) <= ZERO:
        return "on target"
    layers: dict[int, list[float]] = {}
    for n in network.order:
        layers.setdefault(network.depth[n], []).append(values[f"{n}.delta"])
    if any(all(abs(d) <= ZERO for d in deltas) for deltas in layers.values()):
        return "dead layer"
    if all(abs(values[f"{p}.grad"]) <= ZERO for p in problem.trainable):
        return "on target"  # a loss, but nothing to learn from it
    return None


def nice_floats(values: Mapping[str, float], decimals: int = NICE_DECIMALS) -> bool:
    """A cheap screen: every value is within float noise of a number with `decimals` decimals."""
    scale = 10**decimals
    return all(abs(x * scale - round(x * scale)) <= 1e-6 * max(1.0, abs(x * scale)) for x in values.values())


def nice_impossible(problem: Problem) -> str | None:
    """Why no variant can be nice (every value exact with few decimals), said before any search; or None."""
    from tutor.maths.activations import ACTIVATIONS
    from tutor.maths.losses import LOSSES

    acts = sorted(
        {n.activation.name for n in problem.neurons.values() if ACTIVATIONS[n.activation.name].transcendental}
    )
    if not acts and not LOSSES[problem.loss].transcendental:
        return None
    what = f"the {'/'.join(acts)} activation" if acts else f"the {problem.loss} loss"
    return (
        f"{problem.source}: --nice: {what} gives irrational values (exponentials, logarithms), "
        f"so no variant has every value exact with at most {NICE_DECIMALS} decimals; drop --nice "
        "(only identity/ReLU/leaky-ReLU/ELU networks with a squared-error loss can be nice)"
    )


def nice_exact(problem: Problem, decimals: int = NICE_DECIMALS) -> bool:
    """Every forward, backward and update value exact (a Rational) with at most `decimals` decimals."""
    from tutor.engines.exact import derive  # SymPy: only for candidates that passed the float screen
    from tutor.maths.numfmt import as_fraction

    scale = 10**decimals
    for value in derive(problem).values().values():
        frac = as_fraction(value)
        if frac is None or (frac * scale).denominator != 1:
            return False
    return True


def consider(search: Search, seed: int, variant_id: str, student: str | None = None) -> Variant | None:
    """Try the candidate of `seed`: the accepted Variant (also added to `search.found`), or None with the reason
    counted in `search.rejected`."""
    search.tried += 1
    values = sample(search.base, seed)
    key = tuple(values.values())
    if key in search.seen:
        search.rejected["repeated"] += 1
        return None
    meta: dict[str, object] = {"id": variant_id, "seed": seed, **({"student": student} if student else {})}
    problem = instantiate(search.base, values, meta)
    numeric = solve_numeric(problem)
    why = degeneracy(problem, numeric)
    if why is None and search.nice and not (nice_floats(numeric) and nice_exact(problem)):
        why = "not nice"
    if why is not None:
        search.rejected[why] += 1
        return None
    search.seen.add(key)
    variant = Variant(variant_id, seed, values, problem, student)
    search.found.append(variant)
    return variant


def _check_search(base: Problem, nice: bool) -> None:
    vary_of(base)
    why = nice_impossible(base) if nice else None
    if why:
        raise InputError(why)


def variant_ids(count: int) -> Iterator[str]:
    width = max(3, len(str(count)))
    return (f"v{i:0{width}d}" for i in range(1, count + 1))


def generate(base: Problem, count: int, seed: int | str, nice: bool = False) -> Search:
    """Up to `count` pairwise different, non-degenerate variants; at most `TRIES_PER_VARIANT`·count candidates."""
    _check_search(base, nice)
    search = Search(base, nice)
    ids = variant_ids(count)
    next_id = next(ids, None)
    for k in range(TRIES_PER_VARIANT * count):
        if next_id is None:
            break
        if consider(search, candidate_seed(seed, str(k)), next_id):
            next_id = next(ids, None)
    return search


def generate_roster(base: Problem, students: list[str], seed: int | str, nice: bool = False) -> Search:
    """One variant per student, in roster order, from seeds of the student id: a student keeps their variant
    when the roster is regenerated (unless it repeats an earlier student's; then their next candidate)."""
    _check_search(base, nice)
    search = Search(base, nice)
    for student, variant_id in zip(students, variant_ids(len(students)), strict=True):
        labels = (f"student\0{student}\0{k}" for k in range(TRIES_PER_VARIANT))
        if not any(consider(search, candidate_seed(seed, label), variant_id, student) for label in labels):
            search.missing.append(student)
    return search


def file_name(base: Problem, variant: Variant) -> str:
    """`relu-exercise-vary-v001.yaml`: the base problem's file stem and the variant id."""
    stem = base.source.rsplit("/", 1)[-1].rsplit(".", 1)[0] if not base.source.startswith("<") else "problem"
    return f"{stem}-{variant.id}.yaml"


def variant_text(base: Problem, variant: Variant, master_seed: int | str) -> str:
    """The problem file of one variant, with comments saying where it came from."""
    from tutor.files.problemio import number, problem_yaml

    source = base.source.rsplit("/", 1)[-1]
    drawn = ", ".join(f"{k} = {number(v).strip(chr(34))}" for k, v in variant.values.items())
    header = [
        f"Variant {variant.id} of {source}, written by `nnstep generate --seed {master_seed}`.",
        f"Drawn from the vary: section (variant seed {variant.seed}): {drawn}.",
    ]
    if variant.student is not None:
        header.append(f"For student {variant.student}.")
    return problem_yaml(variant.problem, header)


def write_variants(base: Problem, search: Search, folder: Path, master_seed: int | str) -> list[Path]:
    """Write every variant found as a problem file in `folder` (atomically), and variants.csv when they
    belong to students. Returns the files written."""
    from tutor.fileio import write_atomic
    from tutor.files.roster import MAPPING_FILE, mapping_csv

    written = []
    for variant in search.found:
        path = folder / file_name(base, variant)
        write_atomic(path, variant_text(base, variant, master_seed))
        written.append(path)
    rows = [(v.student, file_name(base, v), v.id, v.seed) for v in search.found if v.student is not None]
    if rows:
        write_atomic(folder / MAPPING_FILE, mapping_csv(rows))
        written.append(folder / MAPPING_FILE)
    return written


def stale_files(base: Problem, folder: Path, written: list[Path]) -> list[Path]:
    """What an earlier `nnstep generate` of the same problem left in `folder` and this run did not rewrite
    (`nnstep exam` and `grade --variants` would take them for this run's): variant files it wrote (their
    first line says so) and a variants.csv that lists only such files."""
    from tutor.files.roster import MAPPING_FILE

    stem = file_name(base, Variant("v", 0, {}, base))[: -len("-v.yaml")]
    keep = set(written)
    names: list[str] = []
    ours = re.compile(rf"{re.escape(stem)}-v[0-9]+\.yaml")  # the exact names it writes: no glob of the stem
    with suppress(OSError):
        names = sorted(os.listdir(folder))
    stale = [
        f for f in (folder / n for n in names if ours.fullmatch(n)) if f not in keep and f.is_file() and _generated(f)
    ]
    mapping = folder / MAPPING_FILE
    if mapping.is_file() and mapping not in keep:
        import csv

        with suppress(OSError, UnicodeDecodeError, csv.Error):
            rows = csv.DictReader(mapping.read_text(encoding="utf-8").splitlines())
            listed = [csv_read(row.get("file") or "") for row in rows]
            if listed and all(re.fullmatch(rf"{re.escape(stem)}-v[0-9]+\.yaml", name) for name in listed):
                stale.append(mapping)
    return stale


def _generated(path: Path) -> bool:
    """Whether `path` begins as `variant_text` begins a file."""
    with suppress(OSError, UnicodeDecodeError), path.open(encoding="utf-8") as fh:
        first = fh.readline(500)
        return first.startswith("# Variant ") and "written by `nnstep generate" in first
    return False
