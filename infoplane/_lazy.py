"""Lazy public names for the package ``__init__``s (PEP 562), so that ``import infoplane``
loads neither JAX nor matplotlib until a name that needs them is used.

A package's ``__init__`` lists where each public name lives and gets the module-level
``__getattr__`` and ``__dir__`` from :func:`lazy_names`; it imports the same names under
``if TYPE_CHECKING:`` for type checkers and readers. The first use of a name imports its
module and keeps the value in the package's namespace, so later uses (and ``monkeypatch``)
see an ordinary attribute. A subpackage or module of the package that is not a public name
(``infoplane.plotting``) is imported on first use too, as an eager ``__init__`` had done.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping


def lazy_names(namespace: dict, modules: Mapping[str, tuple[str, ...]]
               ) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of the package whose ``globals()`` are
    ``namespace``, whose module ``m`` (relative to the package, e.g. ``".estimators.trust"``)
    holds the public names ``modules[m]``."""
    package = namespace["__name__"]
    where = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str) -> object:
        if name in where:
            value = getattr(importlib.import_module(where[name], package), name)
        elif not name.startswith("__") and importlib.util.find_spec(f"{package}.{name}"):
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(where))

    return __getattr__, __dir__
