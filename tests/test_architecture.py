"""The library's layers: each module imports only modules of its own layer or of layers below it, and no
import cycle exists (function-level imports count too: a lazy import is still a dependency; imports under
`if TYPE_CHECKING:`, for annotations only, do not).

    python -m pytest tests/test_architecture.py      # or: python3 ../shared/tools/import_cycles.py tutor
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tutor"
# lowest first; a module's layer is its package (base: the modules directly under tutor/)
LAYERS = ("base", "maths", "model", "files", "engines", "checking", "render", "classroom", "api", "cli")
BASE = {"tutor", "tutor.errors", "tutor.fileio", "tutor.escape"}
TOP = {"tutor.__main__"}  # `python -m tutor`: the entry point, above everything
FRONT_DOOR = ("tutor", "tutor.api.solution")  # `tutor.solve`: the package's lazy `__getattr__` opens the API


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    if module in TOP:
        return len(LAYERS)
    if module in BASE:
        return 0
    return LAYERS.index(module.split(".")[1])


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under `if TYPE_CHECKING:`."""
    nodes, todo = [], [tree]
    while todo:
        node = todo.pop()
        nodes.append(node)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo += node.orelse
            continue
        todo += ast.iter_child_nodes(node)
    return nodes


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The tutor modules `path` imports (`from tutor.x import y` counts y when it is a module)."""
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("tutor")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tutor") and not node.level:
            subs = {f"{node.module}.{a.name}" for a in node.names} & modules
            found |= subs or {node.module}
    return {m for m in found if m in modules}


def graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {m: imports_of(p, set(paths)) - {m} for m, p in paths.items()}


def test_every_module_is_in_a_layer() -> None:
    for module in graph():
        assert layer_of(module) >= 0, module


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = [
        f"{m} ({LAYERS[layer_of(m)]}) imports {d} ({LAYERS[layer_of(d)]})"
        for m, deps in sorted(graph().items())
        for d in sorted(deps)
        if layer_of(d) > layer_of(m) and d != "tutor" and (m, d) != FRONT_DOOR
    ]
    assert not upward, "\n".join(upward)


def test_there_is_no_import_cycle() -> None:
    deps = graph()
    state: dict[str, int] = {}
    cycles: list[str] = []

    def visit(m: str, stack: list[str]) -> None:  # recursion is fine: the import graph is ~100 modules
        state[m] = 1
        for d in sorted(deps[m]):
            if state.get(d) == 1:
                cycles.append(" -> ".join([*stack[stack.index(d) :], d]))
            elif d not in state:
                visit(d, [*stack, d])
        state[m] = 2

    for m in sorted(deps):
        if m not in state:
            visit(m, [m])
    assert not cycles, "\n".join(cycles)


@pytest.mark.parametrize("layer", LAYERS[1:])
def test_each_layer_is_a_package(layer: str) -> None:
    assert (PACKAGE / layer / "__init__.py").is_file()


def test_the_readme_map_names_real_modules_and_every_layer() -> None:
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## How it works") : readme.index("## Development")]
    named = set(re.findall(r"\b([a-z_]+)\.py\b", section))
    existing = {p.stem for p in (*PACKAGE.rglob("*.py"), *(PACKAGE.parent / "tests").glob("*.py"))}
    assert named and not named - existing, f"the map names modules that do not exist: {sorted(named - existing)}"
    for layer in LAYERS[1:]:
        assert f"tutor/{layer}/" in section, layer
    for path in re.findall(r"`(tutor/[a-z_/]+\.py)`", section):
        assert (PACKAGE.parent / path).is_file(), path
