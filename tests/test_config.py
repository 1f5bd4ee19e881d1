import ast
import json
from pathlib import Path

import pytest

import infoplane
from infoplane import Bins, InfoplaneError, RunConfig, preset

PACKAGE = Path(infoplane.__file__).parent
COMPILED = {"jax", "jaxlib", "optax", "flax"}


def _module_file(name: str) -> Path | None:
    """The source file of an infoplane module (a package means its __init__.py)."""
    path = PACKAGE.parent.joinpath(*name.split("."))
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return None


def _imports(module: str) -> set[str]:
    """The absolute names of the modules that ``module``'s source imports."""
    path = _module_file(module)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            # "from . import x" may name a module x.
            names.update(f"{base}.{a.name}" for a in node.names if _module_file(f"{base}.{a.name}"))
    return names


def _import_closure(module: str) -> set[str]:
    """Every module that ``module`` imports, directly or through the infoplane modules it
    imports (the modules named in import statements; the package __init__ files Python also
    runs on the way are not followed)."""
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        for imported in _imports(name):
            if imported not in seen:
                seen.add(imported)
                if imported.split(".")[0] == "infoplane" and _module_file(imported):
                    todo.append(imported)
    return seen


def test_configuration_does_not_import_jax():
    """A configuration is built, checked and saved without the compiled code."""
    closure = _import_closure("infoplane.training.config")
    assert "infoplane.estimators.bins" in closure  # the walk does follow infoplane imports
    compiled = sorted(m for m in closure if m.split(".")[0] in COMPILED)
    assert not compiled, f"training/config.py reaches {compiled}"


def test_configuration_defaults_are_the_package_defaults():
    assert RunConfig().bins == Bins()


def test_unknown_field_and_preset():
    with pytest.raises(InfoplaneError, match="unknown configuration field"):
        preset("tiny").replace(colour="blue")
    with pytest.raises(InfoplaneError, match="unknown preset 'big'; valid presets are"):
        preset("big")


def test_config_json_round_trip(tmp_path):
    cfg = preset("saxe2018").replace(hidden=(8, 4), record_layers=(0, 2))
    path = tmp_path / "c.json"
    path.write_text(json.dumps(cfg.to_dict()))
    assert RunConfig.from_json(path) == cfg


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"init": "orthogonal"}, "unknown initialiser 'orthogonal'"),
        ({"batch_order": "random"}, "unknown batch order 'random'"),
        ({"record_dtype": "int8"}, "unknown record dtype 'int8'"),
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
    ],
)
def test_validate_names_the_bad_field(changes, message):
    with pytest.raises(InfoplaneError, match=message):
        preset("tiny").replace(**changes).validate()
