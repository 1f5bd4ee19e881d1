"""Numeric tables in text files: one value per line, all values on one line, or rows of
values, separated by commas, semicolons or white space, with or without a header line (a CSV).
Blank lines and lines starting with # are skipped."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .._errors import InfoplaneError


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def read_table(path: Path, expected: str) -> tuple[list[str] | None, np.ndarray]:
    """A text table: its header (None when the first line is all numbers) and its values,
    float64 (rows, columns).

    Raises:
        InfoplaneError: one line naming ``path`` and the ``expected`` contents, when the file
            is not text, holds no values, holds a value that is not a number, or rows of
            different lengths.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InfoplaneError(f"{path} is neither text nor an .npy/.npz file; expected "
                             f"{expected}") from None
    lines = [(i + 1, [t.strip("\"'") for t in re.split(r"[,;\s]+", line.strip(",; \t"))])
             for i, line in enumerate(text.splitlines())
             if line.strip() and not line.lstrip().startswith("#")]
    header = lines.pop(0)[1] if lines and not all(map(_is_number, lines[0][1])) else None
    if not lines:
        raise InfoplaneError(f"{path} holds no values; expected {expected}")
    first, width = lines[0][0], len(lines[0][1])
    for number, row in lines:
        bad = next((t for t in row if not _is_number(t)), None)
        if bad is not None:
            raise InfoplaneError(f"{path}, line {number}: {bad!r} is not a number; expected "
                                 f"{expected}")
        if len(row) != width:
            raise InfoplaneError(f"{path}, line {number}: {len(row)} values, but line {first} "
                                 f"has {width}; expected {expected}")
    return header, np.array([[float(t) for t in row] for _, row in lines])
