"""Safe YAML with line numbers: text → plain data plus a `Locator` (key path → line).

Used for problem files and answer files. Nothing is ever constructed from a tag: the document is composed
into nodes (`yaml.compose`, SafeLoader) and converted here, so that

- only the standard tags are accepted (str, int, float, bool, null, map, seq); `!!python/...`, `!foo`,
  `!!binary`, merge keys (`<<`) are errors;
- anchors and aliases (`&a`, `*a`, which `yaml.safe_dump` writes for shared values) are expanded, but the
  document may hold at most `MAX_VALUES` values and `MAX_DEPTH` levels of nesting counting what aliases expand
  to, so alias bombs ("billion laughs") and huge lists fail at once (found from the event stream, before
  libyaml's recursive composer builds anything);
- mapping keys are always text (`no:` and `1:` are the keys "no" and "1"), and a duplicate key names both lines;
- numbers keep their source text: YAML floats become `YamlNumber("0.05")` so that `tutor.files.numbers` can read them
  exactly (0.05 = 1/20); plain decimal integers become `int`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tutor.errors import InputError, ProblemError
from tutor.fileio import read_bounded

try:  # libyaml is several times faster; the pure-Python loader behaves the same
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_VALUES = 250_000  # scalars, lists and mappings, aliases expanded: the largest problem has far fewer
KeyPath = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_TEXT_TAGS = {_TAG + "str", _TAG + "timestamp"}  # an unquoted date stays the text the user wrote
_NUMBER_TAGS = {_TAG + "int", _TAG + "float"}
_OPENERS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSERS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


@dataclass(frozen=True)
class YamlNumber:
    """A YAML number as written (`0.05`, `1e-3`, `.inf`): read it exactly with `tutor.files.numbers.parse_number`."""

    text: str

    def __float__(self) -> float:
        return float(self.text.replace("_", ""))

    def __str__(self) -> str:
        return self.text


class Locator:
    """Where things are in one YAML document: key path → 1-based line, and errors that say so."""

    def __init__(self, file: str, lines: dict[KeyPath, int], error_cls: type[InputError] = ProblemError) -> None:
        self.file = file
        self.lines = lines
        self.error_cls = error_cls

    def line(self, path: KeyPath) -> int | None:
        """Line of `path`, or of its nearest ancestor that has one."""
        for n in range(len(path), -1, -1):
            if path[:n] in self.lines:
                return self.lines[path[:n]]
        return None

    def error(self, message: str, *path: str | int, line: int | None = None) -> InputError:
        """An error at `path` (keys and list indices), e.g. ('neurons', 'y3', 'activation')."""
        where = line if line is not None else self.line(path)
        return self.error_cls(message, file=self.file, key=dotted(path) or None, line=where)


def dotted(path: KeyPath) -> str:
    """('neurons', 'y3', 'inputs', 'x1') → 'neurons.y3.inputs.x1'; list indices as `frozen[2]`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_yaml(
    source: str | Path,
    *,
    file: str | None = None,
    error_cls: type[InputError] = ProblemError,
    max_bytes: int = MAX_FILE_BYTES,
    require_mapping: bool = True,
) -> tuple[Any, Locator]:
    """Load a YAML file (a `Path`) or text (a `str`) into plain data and its Locator.

    Raises `error_cls` (file, key, line) for anything that is not one safe, well-formed YAML document.
    """
    name = file if file is not None else (str(source) if isinstance(source, Path) else "<text>")
    text = _read(source, name, error_cls, max_bytes) if isinstance(source, Path) else source
    node = _compose(text, name, error_cls)
    locator = Locator(name, {}, error_cls)
    if node is None:
        raise error_cls("the file is empty (no YAML document)", file=name)
    if require_mapping and not isinstance(node, yaml.MappingNode):
        what = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
        raise error_cls(f"expected a mapping of keys (key: value) at the top level, found {what}", file=name, line=1)
    return _Converter(locator).convert(node, ()), locator


def _read(path: Path, name: str, error_cls: type[InputError], max_bytes: int) -> str:
    try:
        raw = read_bounded(path, max_bytes)  # a huge file (or /dev/zero) is never loaded into memory
    except OSError as e:
        raise error_cls(f"cannot read the file: {e.strerror or e}", file=name) from None
    if raw is None:
        raise error_cls(f"the file is too large (the limit is {max_bytes} bytes)", file=name)
    if b"\0" in raw:
        raise error_cls("not a text file (it contains NUL bytes): expected UTF-8 YAML", file=name)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise error_cls("not a UTF-8 text file: expected UTF-8 YAML", file=name, line=line) from None


def _compose(text: str, name: str, error_cls: type[InputError]) -> yaml.Node | None:
    try:
        _check_events(yaml.parse(text, Loader=_Loader), name, error_cls)
        return yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f" ({e.context})" if e.context and e.problem else ""
        message = f"YAML syntax error: {e.problem or e.context}{where}{_hint(e, text)}"
        raise error_cls(message, file=name, line=mark.line + 1 if mark else None) from None
    except yaml.reader.ReaderError as e:
        line = text[: e.position].count("\n") + 1
        code = ord(e.character) if isinstance(e.character, str) else e.character
        raise error_cls(f"YAML syntax error: character #x{code:04x} is not allowed", file=name, line=line) from None
    except yaml.YAMLError as e:  # pragma: no cover - every PyYAML error above carries a mark
        raise error_cls(f"YAML syntax error: {e}", file=name) from None


_INDENTATION = ("mapping values are not allowed", "did not find expected key", "did not find expected '-'")


def _hint(e: yaml.MarkedYAMLError, text: str) -> str:
    """What to look at for the usual block-layout mistakes: indentation, or a tab."""
    mark = e.problem_mark
    if mark is not None and "cannot start any token" in (e.problem or ""):
        lines = text.splitlines()
        line = lines[mark.line] if mark.line < len(lines) else ""
        if "\t" in line[: mark.column + 1]:
            return "; a tab: indent with spaces"
    if any((e.problem or "").startswith(p) for p in _INDENTATION) and "flow" not in (e.context or ""):
        return "; check the indentation (a nested key more indented than its parent, the keys of one mapping alike)"
    return ""


def _check_events(events: Iterator[yaml.Event], name: str, error_cls: type[InputError]) -> None:
    """Bound the document from the event stream, before anything is built: its nesting and its size,
    aliases counted as what they expand to (so an alias bomb fails at once)."""
    budget = _Budget()
    for event in events:
        problem = budget.add(event)
        if problem:
            line = event.start_mark.line + 1 if event.start_mark else None
            raise error_cls(problem, file=name, line=line)


@dataclass
class _Open:
    """A mapping or list being read: where it started (values so far, depth) and the deepest level inside."""

    anchor: str | None
    start: int
    depth: int
    deepest: int


class _Budget:
    """Values and nesting of a document as it expands: an alias costs what its anchor holds."""

    def __init__(self) -> None:
        self.values = 0
        self.open: list[_Open] = [_Open(None, 0, 0, 0)]
        self.anchors: dict[str, tuple[int, int]] = {}  # anchor -> (values, levels of nesting inside)

    def add(self, event: yaml.Event) -> str | None:
        """What is wrong once `event` is read, or None."""
        top = self.open[-1]
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:  # unknown, or an alias inside its own anchor
                return f"YAML alias *{event.anchor} refers to no complete anchor (&{event.anchor}) before it"
            values, levels = self.anchors[event.anchor]
            self.values += values
            top.deepest = max(top.deepest, top.depth + levels)
        elif isinstance(event, _OPENERS):
            self.values += 1
            self.open.append(_Open(event.anchor, self.values - 1, top.depth + 1, top.depth + 1))
        elif isinstance(event, _CLOSERS):
            done = self.open.pop()
            self.open[-1].deepest = max(self.open[-1].deepest, done.deepest)
            if done.anchor is not None:
                self.anchors[done.anchor] = (self.values - done.start, done.deepest - done.depth + 1)
        elif isinstance(event, yaml.ScalarEvent):
            self.values += 1
            if event.anchor is not None:
                self.anchors[event.anchor] = (1, 0)
        return self.problem()

    def problem(self) -> str | None:
        if self.open[-1].deepest > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep"
        if self.values > MAX_VALUES:
            return f"too many values (more than {MAX_VALUES:,}, counting what YAML aliases expand to)"
        return None


class _Converter:
    """Nodes → plain data, recording the line of every key and list item."""

    def __init__(self, locator: Locator) -> None:
        self.locator = locator

    def convert(self, node: yaml.Node, path: KeyPath) -> Any:
        self.locator.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            self.check_tag(node, _TAG + "seq", path)
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)  # the third and last kind of node
        return self.scalar(node, path)

    def mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, Any]:
        self.check_tag(node, _TAG + "map", path)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node, path)
            here = (*path, key)
            if key in out:
                first = self.locator.lines[here]
                message = f"duplicate key {key!r} (first at line {first})"
                raise self.locator.error(message, *here, line=key_node.start_mark.line + 1)
            self.locator.lines[here] = key_node.start_mark.line + 1
            out[key] = self.convert(value_node, here)
        return out

    def key(self, node: yaml.Node, path: KeyPath) -> str:
        if node.tag == _TAG + "merge":
            raise self.error_at(node, "YAML merge keys (<<) are not supported: write the keys out", path)
        if not isinstance(node, yaml.ScalarNode):
            raise self.error_at(node, "a key must be a plain name, not a list or mapping", path)
        self.check_tag(node, None, path)
        return str(node.value)

    def scalar(self, node: yaml.ScalarNode, path: KeyPath) -> Any:
        self.check_tag(node, None, path)
        tag, text = node.tag, node.value
        if tag in _TEXT_TAGS:
            return text
        if tag == _TAG + "null":
            return None
        if tag == _TAG + "bool":
            return text.lower() in ("true", "yes", "on", "y")
        if tag == _TAG + "int" and len(text) <= 40 and text.lstrip("+-").isdigit() and text.isascii():
            return int(text)  # only plain decimal integers: YAML 1.1's 017 (octal) and 0x1f stay as written
        return YamlNumber(text)

    def check_tag(self, node: yaml.Node, expected: str | None, path: KeyPath) -> None:
        allowed = {expected} if expected else {*_TEXT_TAGS, *_NUMBER_TAGS, _TAG + "null", _TAG + "bool"}
        if node.tag not in allowed:
            tag = node.tag.replace(_TAG, "!!")
            raise self.error_at(node, f"YAML tag {tag} is not allowed (only plain values, lists and mappings)", path)

    def error_at(self, node: yaml.Node, message: str, path: KeyPath) -> InputError:
        return self.locator.error(message, *path, line=node.start_mark.line + 1)
