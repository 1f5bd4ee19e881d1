"""The registry of estimator methods: one entry per ``method=`` name.

``entropy`` and ``mutual_information`` (and the quantities built on them by chain rules:
``joint_entropy``, ``conditional_entropy``, ``conditional_mutual_information``,
``total_correlation``) look the method up here, by name or as the default for the kinds of data
("d" discrete, "c" continuous; ``_kinds``). An entry is a :class:`~._interface.Method`: its
name, its settings with their defaults, and for each quantity it estimates an
:class:`~._interface.Estimator` (the function, the kinds of data it takes, those it is the
default for) and an optional check of the settings per quantity.

Adding an estimator is adding one entry:

1. Write the estimator as a function returning an ``Estimate``, in the module of its family
   (``knn.py``, ``kde.py``, ...) or a new one. Its settings are keyword arguments whose
   defaults come from ``infoplane.defaults`` (when the default is shared) and are validated at
   the call.
2. Append a ``Method`` to ``BUILTIN_METHODS`` in ``_entries.py``, for example::

       Method("wkl", defaults_of(weighted_kl_entropy, "k", "seed"),
              entropy=Estimator(_wkl_entropy, kinds=("c",)))

   with ``_wkl_entropy(x, *, kind, unit, **settings)`` calling the function (for mutual
   information: ``fn(x, y, *, kinds, unit, **settings)``, x continuous whenever one side is).
   ``default_for=`` makes it the default for some kinds; one default per kind.

The public functions then accept it (``method="wkl"``), reject settings it does not take, pass
the others with the defaults filled in, and list it in their error messages. Code outside the
package (a test, an experiment) can :func:`register` an entry at run time and
:func:`unregister` it afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping

from .._errors import InfoplaneError, check_choice
from ._entries import BUILTIN_METHODS
from ._interface import Method
from ._kinds import KIND_NAMES

QUANTITIES = ("entropy", "mutual_information")
KINDS = {"entropy": ("d", "c"), "mutual_information": (("d", "d"), ("c", "d"), ("c", "c"))}

_TABLE: dict[str, Method] = {}


def register(method: Method) -> Method:
    """Add ``method`` to the registry and return it; a new name, kinds that exist, and no
    second default for any kind."""
    if method.name in _TABLE:
        raise InfoplaneError(f"method {method.name!r} is already registered")
    for quantity in QUANTITIES:
        estimator = getattr(method, quantity)
        if estimator is None:
            continue
        if not estimator.kinds or set(estimator.kinds) - set(KINDS[quantity]):
            raise InfoplaneError(f"{method.name}: the {quantity} kinds must be some of "
                                 f"{KINDS[quantity]}, got {estimator.kinds}")
        for kind in estimator.default_for:
            taken = _default_name(quantity, kind)
            if kind not in estimator.kinds:
                raise InfoplaneError(f"{method.name}: default_for {kind} is not in its kinds")
            if taken is not None:
                raise InfoplaneError(f"{method.name} cannot be the default {quantity} method "
                                     f"for {kind}: {taken} is")
    _TABLE[method.name] = method
    return method


def unregister(name: str) -> None:
    """Remove the method ``name`` from the registry."""
    check_choice("method", name, _TABLE)
    del _TABLE[name]


def method_names() -> tuple[str, ...]:
    """Every registered method name, in registration order."""
    return tuple(_TABLE)


def find(name: str) -> Method:
    """The entry of the method ``name``; an error listing the valid names if there is none."""
    check_choice("method", name, _TABLE)
    return _TABLE[name]


def _default_name(quantity: str, kind) -> str | None:
    for method in _TABLE.values():
        estimator = getattr(method, quantity)
        if estimator is not None and kind in estimator.default_for:
            return method.name
    return None


def default(quantity: str, kind) -> Method:
    """The default method for ``quantity`` ("entropy" or "mutual_information") and a kind
    ("d" / "c") or, for mutual information, a pair of kinds with the continuous one first."""
    return _TABLE[_default_name(quantity, kind)]


def methods_for(quantity: str, kind) -> tuple[str, ...]:
    """The names of the methods that estimate ``quantity`` for ``kind``, the default first."""
    fits = [m.name for m in _TABLE.values()
            if getattr(m, quantity) is not None and kind in getattr(m, quantity).kinds]
    first = _default_name(quantity, kind)
    return tuple(sorted(fits, key=lambda name: name != first))


def choose(quantity: str, kind, name: str | None) -> Method:
    """The entry for ``method=name`` (the default when None), checked against the data kind.

    Raises:
        InfoplaneError: an unknown name, or a method that does not estimate ``quantity`` for
            this kind of data (the message lists those that do).
    """
    if name is None:
        return default(quantity, kind)
    method = find(name)
    estimator = getattr(method, quantity)
    if estimator is None or kind not in estimator.kinds:
        what = (f"the entropy of {KIND_NAMES[kind]} data" if quantity == "entropy"
                else f"{KIND_NAMES[kind[0]]} and {KIND_NAMES[kind[1]]} data")
        fits = f"method {name!r} does not apply to {what}; methods that do: " + ", ".join(
            methods_for(quantity, kind))
        raise InfoplaneError(  # the command line gives the kinds by flags (trust --classes)
            f"{fits}. Override the detected data type with discrete_x= / discrete_y= "
            "(discrete= for one argument) if it is wrong",
            cli=f"{fits}; give one of those to --estimator (--classes K makes Y class labels)")
    return method


def settings_for(method: Method, quantity: str, given: Mapping) -> dict:
    """The settings to pass: those ``given`` (checked) over the method's defaults.

    Raises:
        InfoplaneError: a setting the method does not take, or (``method.check``) one that does
            not suit ``quantity``.
    """
    unknown = sorted(set(given) - set(method.settings))
    if unknown:
        allowed = ", ".join(method.settings) or "none"
        raise InfoplaneError(
            f"method {method.name!r} does not take setting(s) {', '.join(unknown)}; "
            f"its settings are: {allowed}"
        )
    if method.check is not None:
        method.check(quantity, given)
    return {**method.settings, **given}


for _method in BUILTIN_METHODS:
    register(_method)
