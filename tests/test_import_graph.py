"""The import graph of `audit` and `decisions`: no cycles, and `decisions` imports nothing of `audit`.

Every import counts, at module level or inside a function, absolute or relative;
importing `a.b.c` also runs `a/__init__` and `a/b/__init__`, so those are edges too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("audit", "decisions")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            targets.add(module)
            targets.update(f"{module}.{alias.name}" for alias in node.names)  # `from pkg import module`
    edges = set()
    for target in targets:
        parts = target.split(".")
        for i in range(1, len(parts) + 1):  # the packages on the way are imported too
            prefix = ".".join(parts[:i])
            if prefix in modules and prefix != name and not name.startswith(prefix + "."):
                edges.add(prefix)
    return edges


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imported(name, path, modules) for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_graph_sees_the_packages():
    graph = _graph()
    assert "audit.ledger.store" in graph["audit.ledger.checkpointing"]
    assert "audit.analysis.compare_bulk" in graph["audit.analysis.compare"]
    assert len(graph) > 60


def test_a_cycle_would_be_found():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_audit_has_no_import_cycle():
    graph = _graph()
    audit = {name: {t for t in targets if t.startswith("audit")} for name, targets in graph.items()
             if name.startswith("audit")}
    assert _cycle(audit) is None


def test_decisions_imports_nothing_of_audit():
    graph = _graph()
    leaks = {name: sorted(t for t in targets if t.startswith("audit"))
             for name, targets in graph.items() if name.startswith("decisions")}
    assert {name: found for name, found in leaks.items() if found} == {}


def test_decisions_has_no_import_cycle():
    graph = _graph()
    decisions = {name: targets for name, targets in graph.items() if name.startswith("decisions")}
    assert _cycle(decisions) is None
