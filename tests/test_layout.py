"""The package layout is the architecture: imports go one way (cli → steps → core), no module
imports another in a cycle, and deploy / verify code never imports the emulator.

Imports are read from the source (also those inside functions), except those under
`if TYPE_CHECKING:`, which never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "scripts" / "jumpgate"

# What each package may import besides itself (the steps in data-flow order).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "model": {"core"},
    "generate": {"core", "model"},
    "validate": {"core", "model", "generate"},
    "gate": {"core", "model", "generate", "validate", "report"},
    "deploy": {"core", "model", "generate", "validate"},
    "verify": {"core", "model", "generate", "validate", "deploy", "report"},
    "report": {"core", "model", "generate", "validate"},
    "emulator": {"core"},
    "adopt": {"core", "model", "generate", "validate", "report", "deploy"},
    "demo": {
        "core",
        "model",
        "generate",
        "validate",
        "gate",
        "deploy",
        "verify",
        "report",
        "emulator",
    },
    "cli": {
        "core",
        "model",
        "generate",
        "validate",
        "gate",
        "deploy",
        "verify",
        "report",
        "emulator",
        "demo",
        "adopt",
    },
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The jumpgate modules that `path` imports when it runs."""
    tree = ast.parse(path.read_text(), str(path))
    skip = _type_checking_lines(tree)
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("jumpgate"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if not base.startswith("jumpgate"):
                continue
            for alias in node.names:  # `from pkg import module` imports the module
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in modules else base)
    return {m for m in found if m in modules and m != me}


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: imports_of(path, set(files)) for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def package_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in ALLOWED) else None


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_imports_go_one_way() -> None:
    wrong = []
    for module, deps in sorted(import_graph().items()):
        mine = package_of(module)
        if mine is None:
            continue
        for dep in sorted(deps):
            theirs = package_of(dep)
            if theirs not in (None, mine) and theirs not in ALLOWED[mine]:
                wrong.append(f"{module} imports {dep}")
    assert wrong == []


def test_every_package_is_placed_and_documented() -> None:
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert packages == set(ALLOWED)
    for name in packages:
        assert ast.get_docstring(ast.parse((PACKAGE / name / "__init__.py").read_text()))


def test_the_checker_sees_a_cycle() -> None:
    """The check itself can fail: a cycle and a backwards import are both caught."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]
    graph = {"jumpgate.core.x": {"jumpgate.cli.main"}, "jumpgate.cli.main": set()}
    assert [
        m
        for m, deps in graph.items()
        for d in deps
        if package_of(d) not in ALLOWED[package_of(m) or ""]
    ] == ["jumpgate.core.x"]


@pytest.mark.parametrize("step", ["deploy", "verify"])
def test_deploy_and_verify_never_import_the_emulator(step: str) -> None:
    graph = import_graph()
    reach: set[str] = set()
    todo = [m for m in graph if package_of(m) == step]
    while todo:
        current = todo.pop()
        for dep in graph[current]:
            if dep not in reach:
                reach.add(dep)
                todo.append(dep)
    assert sorted(m for m in reach if package_of(m) == "emulator") == []
