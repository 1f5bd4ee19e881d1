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
    rows = [[t.strip("\"'") for t in re.split(r"[,;\s]+", line.strip(",; \t"))]
            for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    header = rows.pop(0) if rows and not all(map(_is_number, rows[0])) else None
    if not rows:
        raise InfoplaneError(f"{path} holds no values; expected {expected}")
    for i, row in enumerate(rows):
        bad = next((t for t in row if not _is_number(t)), None)
        if bad is not None:
            raise InfoplaneError(f"{path}: {bad!r} in data row {i + 1} is not a number; "
                                 f"expected {expected}")
        if len(row) != len(rows[0]):
            raise InfoplaneError(f"{path}: data row {i + 1} has {len(row)} values but row 1 "
                                 f"has {len(rows[0])}; expected {expected}")
    return header, np.array([[float(t) for t in row] for row in rows])
