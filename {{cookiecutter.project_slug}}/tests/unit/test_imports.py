"""chat/'s modules import one another in one direction: no cycles, even hidden ones.

A cycle between two modules is usually hidden by an import inside a function, which works
until the module is imported in another order. Imports inside functions count here, so the
way out of a cycle is to move what both need into a third module, never to defer an import.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path, modules):
    """The chat modules ``path`` imports anywhere in it, functions included."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                source = ".".join([*parts, node.module] if node.module else parts)
            for alias in node.names:
                whole = f"{source}.{alias.name}"
                found.add(whole if whole in modules else source)
    return {module for module in found if module in modules and module != name}


def import_graph():
    paths = [p for p in sorted((ROOT / "chat").rglob("*.py")) if "migrations" not in p.parts]
    modules = {module_name(p) for p in paths}
    return {module_name(p): imported(p, modules) for p in paths}


def cycle_through(graph, start):
    """One import path from ``start`` back to itself, or None."""
    stack, seen = [(start, [start])], set()
    while stack:
        module, path = stack.pop()
        for target in sorted(graph[module]):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*path, target]))
    return None


def test_no_chat_module_imports_itself_through_others():
    graph = import_graph()
    assert graph["chat.selectors.messages"] >= {"chat.selectors.rooms"}  # the reader works
    cycles = {" -> ".join(c) for m in graph if (c := cycle_through(graph, m))}
    assert not cycles, f"Import cycles (move what both need into a module of its own): {cycles}"
