"""The layer rules of DESIGN.md, checked on the source: every import statement of the package
(top level, inside functions and under TYPE_CHECKING alike) is read from the syntax tree."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "amstui"
COMMAND_LINE = ("amstui.cli", "amstui.commands", "amstui.bootstrap", "amstui.__main__")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def type_only(tree: ast.AST) -> set[int]:
    """The ids of import nodes under `if TYPE_CHECKING:` (never run, so never a cycle)."""
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                guarded.update(id(n) for n in ast.walk(child))
    return guarded


def imports_of(path: Path, runtime_only: bool = False) -> Iterator[tuple[int, str]]:
    """(line, imported module) for each import; `from a import b` yields `a.b` and `a`.

    With `runtime_only`, imports under `if TYPE_CHECKING:` are left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    skip = type_only(tree) if runtime_only else set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def all_imports(runtime_only: bool = False) -> dict[str, list[tuple[int, str]]]:
    return {
        module_name(p): list(imports_of(p, runtime_only)) for p in sorted(PACKAGE.rglob("*.py"))
    }


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def violations(layer: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for module, imports in all_imports().items():
        if not within(module, (layer,)):
            continue
        for line, target in imports:
            if within(target, forbidden):
                found.append(f"{module}:{line} imports {target}")
    return sorted(set(found))


RULES = {
    "ams": (
        "amstui.ams",
        (
            "amstui.config",
            "amstui.monitor",
            "amstui.ui",
            "amstui.emulator",
            *COMMAND_LINE,
            "textual",
        ),
    ),
    "monitor": ("amstui.monitor", ("textual", "amstui.ui", *COMMAND_LINE)),
    "ui": ("amstui.ui", ("httpx",)),
    # The entry point dispatches to the commands by name (import_module), an edge no syntax
    # walk sees: so the commands and the composition root must not import it back.
    "commands": ("amstui.commands", ("amstui.cli",)),
    "bootstrap": ("amstui.bootstrap", ("amstui.cli", "amstui.commands")),
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_layer_imports_nothing_from_above(rule: str) -> None:
    layer, forbidden = RULES[rule]
    assert violations(layer, forbidden) == []


def test_emulator_imports_only_the_model_from_the_package() -> None:
    found = []
    for module, imports in all_imports().items():
        if not within(module, ("amstui.emulator",)):
            continue
        for line, target in imports:
            allowed = within(target, ("amstui.emulator", "amstui.ams.model"))
            # `from amstui.ams import model` names the package on its way to the model.
            if within(target, ("amstui",)) and not allowed and target not in ("amstui.ams",):
                found.append(f"{module}:{line} imports {target}")
    assert found == []


def internal_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports when run, at the top or inside a function
    (a name that is not a module maps to its module: `from amstui.ams.model import Job` is an
    edge to `amstui.ams.model`). A function-level import still makes a cycle: deferring an
    import hides a cycle, it does not remove it."""
    imports = all_imports(runtime_only=True)
    modules = set(imports)
    graph: dict[str, set[str]] = {}
    for module, targets in imports.items():
        edges = set()
        for _, target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            # Importing a package's submodule runs the package's __init__, which is no edge
            # back to this module unless the __init__ itself imports it.
            if target and target != module and target != "amstui":
                edges.add(target)
        graph[module] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)) is not None:
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)) is not None:
            return cycle
    return None


def test_no_import_cycles_between_modules() -> None:
    assert find_cycle(internal_graph()) is None


def test_the_checks_see_a_planted_violation_and_a_planted_cycle(tmp_path: Path) -> None:
    """The walker is not blind: a function-level import and a relative import are seen."""
    source = tmp_path / "amstui" / "ams" / "x.py"
    source.parent.mkdir(parents=True)
    source.write_text("def f():\n    from ..ui import app\n    import textual.app\n")
    global PACKAGE
    saved = PACKAGE
    PACKAGE = tmp_path / "amstui"
    try:
        assert violations("amstui.ams", ("amstui.ui", "textual")) == [
            "amstui.ams.x:2 imports amstui.ui",
            "amstui.ams.x:2 imports amstui.ui.app",
            "amstui.ams.x:3 imports textual.app",
        ]
    finally:
        PACKAGE = saved
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
