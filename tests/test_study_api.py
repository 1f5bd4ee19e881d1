"""The registry of studies: every study declares itself once, with the same run signature and
three scales that differ only in sizes, and the command line, the docs and the errors read it."""

import ast
import dataclasses
import inspect
import re
from pathlib import Path

import pytest

import infoplane.studies
from infoplane import InfoplaneError
from infoplane.cli import main
from infoplane.studies import SCALES, names, run_study, studies
from infoplane.training import RunConfig

STUDIES_DIR = Path(infoplane.studies.__file__).parent
DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture(scope="module")
def registry():
    return studies()


def test_every_study_module_declares_itself_under_its_own_name(registry):
    assert len(names()) >= 17 and list(registry) == sorted(registry)
    for name, s in registry.items():
        assert s.name == name and s.run.__module__ == f"infoplane.studies.{name}", name
        assert s.title and "\n" not in s.title, name
        assert s.docs == f"studies/{name}.md" and (DOCS / s.docs).is_file(), name


def test_every_study_has_run_study_signature(registry):
    expected = list(inspect.signature(run_study).parameters.values())[1:]  # all but the name
    for name, s in registry.items():
        assert list(inspect.signature(s.run).parameters.values()) == expected, name


def test_every_study_declares_three_scales_of_one_frozen_dataclass_with_the_same_fields(
        registry):
    config_fields = {f.name for f in dataclasses.fields(RunConfig)}
    for name, s in registry.items():
        assert tuple(s.scales) == SCALES, name
        kinds = {type(sizes) for sizes in s.scales.values()}
        assert len(kinds) == 1, name
        (kind,) = kinds
        assert dataclasses.is_dataclass(kind) and kind.__dataclass_params__.frozen, name
        # a mapping of sizes (RunConfig changes, per data set) sets the same keys at every scale
        for field in dataclasses.fields(kind):
            values = [getattr(sizes, field.name) for sizes in s.scales.values()]
            if isinstance(values[0], dict):
                assert all(v.keys() == values[0].keys() for v in values), (name, field.name)
        if "config" in {f.name for f in dataclasses.fields(kind)}:
            for sizes in s.scales.values():
                flat = sizes.config
                if all(isinstance(v, dict) for v in flat.values()):  # per data set
                    flat = {k: v for d in flat.values() for k, v in d.items()}
                assert set(flat) <= config_fields, (name, set(flat) - config_fields)


def _code_of(path: Path) -> ast.Module:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):  # docstrings may say "--quick"; code may not name a scale
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(
                body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            body[0] = ast.Pass()
    return tree


def _names_a_scale(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in SCALES
    return isinstance(node, ast.Name) and node.id == "scale" or (
        isinstance(node, ast.Attribute) and node.attr == "scale")


@pytest.mark.parametrize("path", sorted(p.name for p in STUDIES_DIR.glob("*.py")
                                        if p.name != "_registry.py"))
def test_no_study_module_branches_on_the_scale_name(path):
    """The quick scale differs from the others only in sizes: code reads its sizes, and the
    scale's name appears only as a key of the module's SCALES table (and is passed on, to be
    written in results.json)."""
    tree = _code_of(STUDIES_DIR / path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            assert not any(_names_a_scale(x) for x in sides), (path, ast.unparse(node))
        if isinstance(node, (ast.If, ast.IfExp, ast.While)):
            assert not _names_a_scale(node.test), (path, ast.unparse(node.test))
    # a scale's name as a constant: only a key of the SCALES table or run()'s default scale
    allowed = {id(k) for d in ast.walk(tree) if isinstance(d, ast.Dict) for k in d.keys}
    allowed |= {id(v) for f in ast.walk(tree) if isinstance(f, ast.arguments)
                for v in (*f.defaults, *f.kw_defaults)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value in SCALES:
            assert id(node) in allowed, (path, node.value, node.lineno)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"overrides": {"colour": "red"}}, "unknown configuration field(s): colour"),
    ({"scale": "huge"}, "unknown scale 'huge'; valid scales are: default, full, quick"),
])
def test_bad_settings_fail_before_any_work(kwargs, message, tmp_path):
    with pytest.raises(InfoplaneError, match=re.escape(message)):
        run_study("tishby2017", out=tmp_path / "t17", **kwargs)
    assert not (tmp_path / "t17").exists()


def test_unknown_study():
    with pytest.raises(InfoplaneError, match="unknown study 'tishby2018'"):
        run_study("tishby2018")


def test_the_command_line_lists_the_registry(registry, capsys):
    assert main(["reproduce", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(registry)
    for line, s in zip(lines, registry.values(), strict=True):
        assert s.title in line and f"docs/{s.docs}" in line
    assert main(["reproduce"]) == 2
    assert "infoplane reproduce --list lists them" in capsys.readouterr().err
    assert main(["reproduce", "tishby2017", "--list"]) == 2


def test_the_docs_site_reads_the_registry(registry):
    """The site's Studies section and the overview's table come from the registry by the
    mkdocs hook; mkdocs.yml and the overview page name no study."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("studies_hook", DOCS / "hooks" / "studies.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)

    class Config:
        nav = [{"Home": "index.md"}, {"Studies": [{"Overview": "studies/index.md"}]}]

    hook.on_config(Config)
    assert Config.nav[1]["Studies"][1:] == [{n: s.docs} for n, s in registry.items()]

    class Page:
        class file:  # noqa: N801 (mkdocs' attribute)
            src_uri = "studies/index.md"

    overview = (DOCS / "studies" / "index.md").read_text()
    table = hook.on_page_markdown(overview, Page, None, None)
    for name in registry:
        assert f"| [`{name}`]({name}.md) |" in table
        assert name not in overview.replace(hook.MARKER, "")  # the page names none itself
    mkdocs_yml = (DOCS.parent / "mkdocs.yml").read_text()
    assert not any(f"studies/{name}.md" in mkdocs_yml for name in registry)
