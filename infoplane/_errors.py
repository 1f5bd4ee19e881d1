"""The one exception type users see for bad input, and the checks that raise it."""

import math
import numbers


class InfoplaneError(ValueError):
    """Bad input or configuration; the message says what to change.

    A subclass of ``ValueError`` so that callers who already catch ``ValueError`` keep working.
    The command line prints these as a single line, without a traceback.

    Args:
        message: the message in the Python API's words (keyword arguments: ``key=...``).
        cli: the same message in the command line's words (flags: ``--labels-key``), when
            they differ; the command line prints it instead of ``message``.
        usage: True when the error is in the arguments given (a value out of range, an
            unknown name, options that contradict each other), False when it is in a file or
            a computation; the command line exits with status 2 for the first, 1 for the
            second. None (not said): an error raised while handling another InfoplaneError
            (rewording it) counts as that one.
    """

    def __init__(self, message: str = "", *, cli: str | None = None,
                 usage: bool | None = None):
        super().__init__(message)
        self.cli = cli
        self.usage = usage


def check_choice(kind: str, value, options) -> None:
    """Raise a clear error unless ``value`` is one of ``options``.

    Args:
        kind: what the value names, for the message ("activation", "optimiser", ...).
        value: the value given by the user.
        options: the valid values.
    """
    if value not in options:
        valid = ", ".join(sorted(map(str, options)))
        raise InfoplaneError(f"unknown {kind} {value!r}; valid {plural(kind)} are: {valid}",
                             usage=True)


def plural(noun: str) -> str:
    """The plural of an English noun of this package's messages ("study" -> "studies")."""
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + ("es" if noun.endswith(("s", "x", "sh", "ch")) else "s")


def check_positive_int(name: str, value) -> int:
    """Return ``value`` as an int, or raise unless it is a positive integer."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InfoplaneError(f"{name} must be a positive integer, got {value!r}", usage=True)
    value = int(value)
    if value <= 0:
        raise InfoplaneError(f"{name} must be a positive integer, got {value}", usage=True)
    return value


def check_positive_real(name: str, value, hint: str = "", *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float, or raise unless it is a finite real number > 0 (>= 0 with
    ``allow_zero``). ``hint`` is appended to the message, e.g. "; Saxe et al. use 0.1"."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        ok = math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        kind = "non-negative" if allow_zero else "positive"
        raise InfoplaneError(f"{name} must be a finite {kind} number{hint}, got {value!r}",
                             usage=True)
    return float(value)
