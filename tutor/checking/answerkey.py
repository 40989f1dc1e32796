"""The answer key of a solved problem (any form) in the answers-file format: `nnstep answers` and its
`--blank` template."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tutor.files.answers import yaml_scalar


def answer_key_text(derivation: Any, *, blank: bool = False, digits: int = 10) -> str:
    """The full answer key in the answers-file format (later steps nested under `step2:` …).

    `derivation`: a solved problem of any form. `blank`: a template with empty values and a comment
    saying what each key is (a key that does not count in the score, `tutor.model.keyset`, says so). Keys and values
    are written by PyYAML's emitter, comments by `yaml_comment`: a title holding a line break stays inside its
    comment line.
    """
    from tutor.checking.models import check_model
    from tutor.escape import yaml_comment
    from tutor.maths.numfmt import fmt
    from tutor.model.keys import split_key, step_word
    from tutor.model.keyset import counted_keys

    model = check_model(derivation)
    counted = frozenset(counted_keys(model, model.settings))
    problem = model.problem
    title = problem.title or Path(problem.source).stem
    lines = [f"# {'Answers' if blank else 'Answer key'}: {yaml_comment(title)}"]
    if blank:
        lines.append('# Fill in numbers, fractions ("1/2") or simple expressions ("2 - 0.1*20").')
    values = model.expected
    keys = {k: yaml_scalar(split_key(k)[1]) for k in values}
    width = max(map(len, keys.values())) + 1
    current = 1
    for key, value in values.items():
        step, local = split_key(key)
        indent = "" if step == 1 else "  "
        if step != current:  # (a shuffled data set's next iteration may begin with another example)
            lines.append(f"{step_word(step)}:")
            current = step
        note = "" if key in counted else " (not counted)"
        if blank:
            lines.append(f"{indent}{keys[key] + ':':<{width}}   # {yaml_comment(model.describe(local))}{note}")
        else:
            lines.append(f"{indent}{keys[key]}: {_yaml_number(fmt(value, digits))}{'  # not counted' if note else ''}")
    return "\n".join(lines) + "\n"


_DECIMAL = re.compile(r"-?\d+(?:\.\d+)?")


def _yaml_number(text: str) -> str:
    """A plain decimal as a YAML number; anything else (fractions, scientific notation) as a quoted string."""
    return text if _DECIMAL.fullmatch(text) else yaml_scalar(text, quoted=True)
