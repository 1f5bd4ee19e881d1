"""The one exception type users see for bad input."""

import numbers


class InfoplaneError(ValueError):
    """Bad input or configuration; the message says what to change.

    A subclass of ``ValueError`` so that callers who already catch ``ValueError`` keep working.
    The command line prints these as a single line, without a traceback.
    """


def check_choice(kind: str, value, options) -> None:
    """Raise a clear error unless ``value`` is one of ``options``.

    Args:
        kind: what the value names, for the message ("activation", "optimiser", ...).
        value: the value given by the user.
        options: the valid values.
    """
    if value not in options:
        valid = ", ".join(sorted(map(str, options)))
        raise InfoplaneError(f"unknown {kind} {value!r}; valid {kind}s are: {valid}")


def check_positive_int(name: str, value) -> int:
    """Return ``value`` as an int, or raise unless it is a positive integer."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InfoplaneError(f"{name} must be a positive integer, got {value!r}")
    value = int(value)
    if value <= 0:
        raise InfoplaneError(f"{name} must be a positive integer, got {value}")
    return value
