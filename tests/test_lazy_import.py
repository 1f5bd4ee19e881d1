"""``import infoplane`` loads no JAX (PEP 562 lazy names), and the lazy names are the public
API: the same ``__all__``, ``dir()`` and objects as the modules that hold them."""

import importlib
import os
import subprocess
import sys

import pytest

import infoplane

PACKAGES = ["infoplane", "infoplane.estimators", "infoplane.plane", "infoplane.integrations",
            "infoplane.training", "infoplane.plotting"]


def _modules_after(statement: str) -> set[str]:
    """The top-level modules a fresh interpreter holds after ``statement``."""
    code = f"{statement}\nimport sys\nprint(' '.join({{m.split('.')[0] for m in sys.modules}}))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return set(done.stdout.split())


@pytest.mark.subprocess
def test_import_infoplane_loads_no_jax():
    """The issue's check, word for word, in a fresh interpreter."""
    subprocess.run([sys.executable, "-c",
                    "import infoplane, sys; assert 'jax' not in sys.modules"], check=True)


@pytest.mark.subprocess
@pytest.mark.parametrize("statement", [
    "import infoplane, infoplane.estimators, infoplane.plane, infoplane.training",
    "import infoplane.integrations, infoplane.training.config, infoplane.runs, infoplane.cli",
    "import infoplane.plotting; from infoplane import InfoplaneError, RunConfig",
])
def test_packages_and_light_names_load_no_jax_nor_matplotlib(statement):
    loaded = _modules_after(statement)
    assert not {"jax", "jaxlib", "matplotlib", "torch", "keras"} & loaded, loaded


@pytest.mark.subprocess
def test_a_name_that_needs_jax_loads_it():
    """The rule above could fail: the check sees JAX once a JAX name is used."""
    assert "jax" in _modules_after("import infoplane; infoplane.entropy")


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_resolves_and_is_listed(package):
    module = importlib.import_module(package)
    for name in module.__all__:
        value = getattr(module, name)
        assert value is not None
        assert name in dir(module)
    assert set(module.__all__) <= set(dir(module))


def test_lazy_names_are_the_defining_modules_objects_and_stay_put(monkeypatch):
    from infoplane.estimators import _api
    from infoplane.training import loop

    assert infoplane.entropy is _api.entropy
    assert infoplane.train is loop.train
    monkeypatch.setattr(infoplane.training, "train", None)  # an ordinary attribute now
    assert infoplane.training.train is None


def test_subpackages_are_attributes_and_unknown_names_raise():
    assert infoplane.plotting.information_plane.__module__ == "infoplane.plotting._plane"
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        infoplane.nothing_here  # noqa: B018
    assert not hasattr(infoplane.estimators, "__wrapped__")


@pytest.mark.subprocess
@pytest.mark.parametrize(("xla_flags", "devices"), [
    (None, len(os.sched_getaffinity(0))),  # one CPU device per usable core
    ("--xla_force_host_platform_device_count=3", 3),  # the user's setting is left alone
])
def test_use_all_cpu_cores_before_jax_gives_one_device_per_core(xla_flags, devices):
    """The guide's recipe for Python scripts (docs/guide/scaling-out.md), in a fresh process."""
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    if xla_flags:
        env["XLA_FLAGS"] = xla_flags
    code = ("from infoplane.cli import use_all_cpu_cores\nuse_all_cpu_cores()\n"
            "import jax\nprint(jax.device_count())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env=env)
    assert int(done.stdout.split()[-1]) == devices
