"""No import cycle among the hub's modules, counting the imports a function makes when it
runs (a local import only hides a cycle from the interpreter's start-up, not from the
reader). Imports under `if TYPE_CHECKING:` never run and are left out: they name types
for the checker, as `strawberry.lazy` names a GraphQL type by its module."""

from __future__ import annotations

import ast
from pathlib import Path

HUB = Path(__file__).resolve().parents[2] / "hub"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(HUB.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                todo.extend(child.orelse)
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.append(child)
            todo.append(child)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the hub modules it imports (at start-up or inside a function)."""
    paths = {_module_name(p): p for p in HUB.rglob("*.py")}

    def known(name: str) -> str | None:
        while name and name not in paths:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {m: set() for m in paths}
    for module, path in paths.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                # `from hub.media import gc` imports the module hub.media.gc
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in paths else base for a in node.names
                ]
            for target in targets:
                found = known(target) if target.startswith("hub") else None
                if found is not None and found != module:
                    graph[module].add(found)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, todo = work[-1]
            if todo:
                nxt = todo.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(graph[nxt])))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_module_of_the_hub_imports_itself_back_through_others() -> None:
    graph = import_graph()
    found = cycles(graph)
    described = [
        " ⇄ ".join(c) + " (" + "; ".join(f"{m} -> {sorted(graph[m] & set(c))}" for m in c) + ")"
        for c in found
    ]
    assert found == [], "import cycles:\n" + "\n".join(described)


def test_the_cycle_finder_finds_a_cycle_hidden_by_a_local_import() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    tree = ast.parse("import os\nif TYPE_CHECKING:\n    import hub.x\ndef f():\n    import hub.y\n")
    names = [a.name for n in _imports(tree) if isinstance(n, ast.Import) for a in n.names]
    assert sorted(names) == ["hub.y", "os"]


def test_only_entry_points_import_the_composition_root() -> None:
    importers = sorted(m for m, targets in import_graph().items() if "hub.wiring" in targets)
    entry_points = {"hub.app", "hub.jobs.runner", "hub.demo.seed", "hub.demo.users"}
    commands = [m for m in importers if m == "hub.cli" or m.startswith("hub.cli.")]
    assert [m for m in importers if m not in entry_points and m not in commands] == []
