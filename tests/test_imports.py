"""No course_lib module imports one that imports it back, directly or through others.

Ruff has no such check. Each module's imports are read from its source, those inside
functions included (a late import is how a circle usually hides) and those for type
checkers left out, and the graph of course_lib modules is searched for a cycle.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def module_files(package: Path) -> dict[str, Path]:
    """Every module of ``package`` by its dotted name; a package by its own name."""
    modules = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def imported_modules(path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of ``modules`` that ``path`` imports, at the top or inside a function."""
    found = set()
    tree = ast.parse(path.read_text())
    for block in ast.walk(tree):  # imports for type checkers only never run
        if isinstance(block, ast.If) and ast.unparse(block.test).endswith("TYPE_CHECKING"):
            block.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            names = [name if name in modules else node.module for name in names]
        else:
            continue
        found.update(name for name in names if name in modules)
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle in ``graph`` as [a, b, ..., a], or None when there is none."""
    done, path = set(), []

    def visit(module: str) -> list[str] | None:
        if module in path:
            return path[path.index(module) :] + [module]
        if module in done:
            return None
        path.append(module)
        for imported in sorted(graph.get(module, ())):
            cycle = visit(imported)
            if cycle:
                return cycle
        path.pop()
        done.add(module)
        return None

    for module in sorted(graph):
        cycle = visit(module)
        if cycle:
            return cycle
    return None


def import_graph(package: Path) -> dict[str, set[str]]:
    modules = module_files(package)
    return {name: imported_modules(path, modules) - {name} for name, path in modules.items()}


def test_no_course_lib_module_imports_one_that_imports_it_back():
    graph = import_graph(ROOT / "course_lib")
    assert "course_lib.experiments.notebook05" in graph["course_lib.experiments.budget"]
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_the_check_finds_a_circle_made_by_a_late_import(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "store.py").write_text("def main():\n    from pkg import publish\n")
    (package / "publish.py").write_text("from pkg.store import main\n")
    typed = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.alone\n"
    (package / "typed.py").write_text(typed)  # never run: no circle with alone.py
    (package / "alone.py").write_text("import pkg.store\nimport pkg.typed\n")
    cycle = find_cycle(import_graph(package))
    assert cycle[0] == cycle[-1] and set(cycle) == {"pkg.publish", "pkg.store"}
    (package / "store.py").write_text("def main():\n    pass\n")
    assert find_cycle(import_graph(package)) is None
