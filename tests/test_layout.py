"""The package's layout, read from its imports: no import cycle, argparse only in the command
line, a configuration without JAX, and every import pointing down the pipeline.

Every module of infoplane/ is parsed with ``ast`` (imports at module level and inside
functions, relative and absolute; ``if TYPE_CHECKING`` imports count too: a cycle there is a
cycle in the design). The graph has one node per module, named like
``infoplane.training.config``; a package is its ``__init__.py`` under the package's name.
An edge ``a -> b`` means a module ``a`` imports ``b``:

- ``import infoplane.x.y`` and ``from infoplane.x.y import name`` are edges to ``infoplane.x.y``;
- ``from P import name`` is an edge to ``P.name`` when that is a module (``from . import x``),
  otherwise to ``P`` (for a package, its ``__init__``).

Python also runs the ``__init__`` of every enclosing package of an imported module; those
implicit edges are not drawn, so that ``from ..estimators.bins import Bins`` says what the
code needs (the JAX-free ``bins.py``), not what the package's ``__init__`` happens to load.
No edge is excluded from the checks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import infoplane

ROOT = Path(infoplane.__file__).resolve().parent
PACKAGE = "infoplane"

# The pipeline, lowest stage first: a module may import from its own stage and lower ones.
# Each entry names a module or a subpackage (and so its submodules); the longest that matches
# a module gives its stage. A new module outside these fails the test until it is placed.
STAGES = [
    ("infoplane._errors", "infoplane._lazy", "infoplane.defaults", "infoplane._stats",
     "infoplane._mappings"),
    # the typed records (a plane, a run) cross every stage above the data
    ("infoplane.data", "infoplane.estimators", "infoplane.ib", "infoplane.records"),
    ("infoplane.runs",),
    ("infoplane.training",),
    # integrations (recorders for Keras and PyTorch) write a run folder and estimate its
    # plane as they go: the plane's stage, above runs, below the figures.
    ("infoplane.plane", "infoplane.analysis", "infoplane.integrations"),
    ("infoplane.plotting",),
    # a sweep runs grids of trainings and draws an overview, as a study does
    ("infoplane.studies", "infoplane.sweeps"),
    ("infoplane.cli",),
    ("infoplane",),  # the root __init__.py, the public API
]
FORBIDDEN_IN_CONFIG = ("jax", "jaxlib", "optax")


def module_names(root: Path = ROOT, package: str = PACKAGE) -> dict[str, Path]:
    """Every module of the package: dotted name -> file."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join((package, *parts))] = path
    return names


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _resolve(importer: str, is_package: bool, level: int, module: str | None) -> str:
    """The absolute name of ``from <level dots><module> import ...`` written in ``importer``."""
    if level == 0:
        return module or ""
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def imports_of(name: str, path: Path, modules, package: str = PACKAGE
               ) -> tuple[set[str], set[str]]:
    """(modules of the package that ``name`` imports, top-level names of other imports)."""
    internal, external = set(), set()

    def add(target: str) -> None:
        if target == package or target.startswith(package + "."):
            # ``import infoplane.x.y.z`` where z is a function is not possible, but a name
            # may reach past the modules in from-imports: fall back to the longest module.
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            internal.add(target)
        else:
            external.add(target.split(".")[0])

    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(name, _is_package(path), node.level, node.module)
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                add(sub if sub in modules else source)
    internal.discard(name)
    return internal, external


def import_graph(root: Path = ROOT, package: str = PACKAGE):
    """(module -> imported modules of the package, module -> other top-level imports)."""
    modules = module_names(root, package)
    graph, external = {}, {}
    for name, path in modules.items():
        graph[name], external[name] = imports_of(name, path, modules, package)
    return graph, external


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component with more than one module (or a module importing
    itself), each as a sorted list: an import cycle (Tarjan's algorithm)."""
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph.get(v, ()):
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def stage_of(module: str, stages=STAGES) -> int | None:
    """The index of the stage whose longest prefix matches ``module``; None if none does. A
    prefix covers the module of that name and, unless it is the package itself (the root
    ``__init__``, the public API), its submodules."""
    best, best_len = None, -1
    for i, prefixes in enumerate(stages):
        for p in prefixes:
            covers = module == p or ("." in p and module.startswith(p + "."))
            if covers and len(p) > best_len:
                best, best_len = i, len(p)
    return best


def upward_imports(graph: dict[str, set[str]], stages=STAGES) -> list[str]:
    """Every edge from a lower stage to a higher one, and every module without a stage."""
    problems = [f"{m} belongs to no stage" for m in sorted(graph)
                if stage_of(m, stages) is None]
    for a in sorted(graph):
        for b in sorted(graph[a]):
            sa, sb = stage_of(a, stages), stage_of(b, stages)
            if sa is not None and sb is not None and sb > sa:
                problems.append(f"{a} (stage {sa}) imports {b} (stage {sb})")
    return problems


def modules_importing(external: dict[str, set[str]], name: str) -> list[str]:
    """The modules that import the top-level module ``name`` (outside the package)."""
    return sorted(m for m, names in external.items() if name in names)


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    """``start`` and every module it imports, directly or not."""
    seen, todo = {start}, [start]
    while todo:
        for w in graph.get(todo.pop(), ()):
            if w not in seen:
                seen.add(w)
                todo.append(w)
    return seen


def importers_of(graph, external, start: str, names) -> list[str]:
    """The modules reachable from ``start`` that import one of the top-level ``names``."""
    return sorted(f"{m} imports {', '.join(sorted(external[m] & set(names)))}"
                  for m in reachable(graph, start) if external.get(m, set()) & set(names))


@pytest.fixture(scope="module")
def graphs():
    return import_graph()


# -- the package ------------------------------------------------------------------------------

def test_the_graph_sees_the_package(graphs):
    graph, external = graphs
    assert "infoplane.training.config" in graph and "infoplane.cli" in graph
    assert "argparse" in external["infoplane.cli"]  # a module-level import is seen
    assert "infoplane.studies" in graph["infoplane.cli._run"]  # a function-level relative one


def test_no_import_cycle(graphs):
    cycles = find_cycles(graphs[0])
    assert not cycles, "import cycles (each line: modules that import one another, directly "\
        "or not):\n" + "\n".join(", ".join(c) for c in cycles)


def test_argparse_only_in_the_command_line(graphs):
    users = modules_importing(graphs[1], "argparse")
    assert users and all(m == "infoplane.cli" or m.startswith("infoplane.cli.") for m in users), \
        users


def test_the_configuration_imports_no_jax(graphs):
    graph, external = graphs
    found = importers_of(graph, external, "infoplane.training.config", FORBIDDEN_IN_CONFIG)
    assert not found, "the configuration reaches JAX:\n" + "\n".join(found)


def test_imports_point_down_the_pipeline(graphs):
    problems = upward_imports(graphs[0])
    assert not problems, "\n".join(problems)


# -- the checks can fail ----------------------------------------------------------------------

def test_find_cycles_reports_a_cycle_and_a_self_import():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert find_cycles(graph) == [["a", "b", "c"], ["e"]]
    assert find_cycles({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


def test_upward_imports_reports_the_wrong_direction_and_unstaged_modules():
    stages = [("p.low",), ("p.high",)]
    graph = {"p.low.x": {"p.high"}, "p.high": {"p.low.x"}, "p.other": set()}
    assert upward_imports(graph, stages) == [
        "p.other belongs to no stage",
        "p.low.x (stage 0) imports p.high (stage 1)",
    ]


def test_stage_of_takes_the_longest_prefix():
    assert stage_of("infoplane") == len(STAGES) - 1
    assert stage_of("infoplane.training.config") == stage_of("infoplane.training")
    assert stage_of("infoplane.defaults") == 0 and stage_of("infoplane.cli") == 7
    assert stage_of("infoplane.runsx") is None  # a prefix matches whole names only
    assert stage_of("infoplane.newstage") is None  # the root covers only its __init__


def test_forbidden_imports_are_found_through_the_graph():
    graph = {"cfg": {"mid"}, "mid": {"leaf"}, "leaf": set(), "other": set()}
    external = {"cfg": {"json"}, "mid": set(), "leaf": {"jax", "numpy"}, "other": {"optax"}}
    assert importers_of(graph, external, "cfg", FORBIDDEN_IN_CONFIG) == ["leaf imports jax"]


def test_the_parser_reads_every_kind_of_import(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .sub import thing\n")
    (pkg / "sub" / "__init__.py").write_text("from . import mod\nfrom .mod import f\n")
    (pkg / "sub" / "mod.py").write_text(
        "import argparse\nimport pkg.top\n\ndef f():\n    from .. import top\n"
        "    from ..sub import mod\n    from ..top import g\n    import numpy.linalg\n")
    (pkg / "top.py").write_text("import os.path\n")
    graph, external = import_graph(pkg, "pkg")
    assert graph == {"pkg": {"pkg.sub"}, "pkg.sub": {"pkg.sub.mod"},
                     "pkg.sub.mod": {"pkg.top"}, "pkg.top": set()}
    assert external["pkg.sub.mod"] == {"argparse", "numpy"}
    assert modules_importing(external, "argparse") == ["pkg.sub.mod"]
    assert external["pkg.top"] == {"os"}
    assert find_cycles(graph) == []
    (pkg / "top.py").write_text("from .sub.mod import f\n")
    assert find_cycles(import_graph(pkg, "pkg")[0]) == [["pkg.sub.mod", "pkg.top"]]
