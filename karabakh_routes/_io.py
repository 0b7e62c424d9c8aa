"""File helpers: tolerant text reading and atomic writing."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from ._errors import DataError, Problem

__all__ = ["read_text", "read_csv_rows", "atomic_write", "write_text_atomic"]


def read_text(path: str | os.PathLike[str]) -> str:
    """Read a UTF-8 text file; accept a BOM and CRLF line ends.

    Raises
    ------
    DataError
        If the file is missing, not UTF-8, or empty.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise DataError([Problem(str(p), "file", "-", "", "file not found")]) from None
    except IsADirectoryError:
        raise DataError([Problem(str(p), "file", "-", "", "a file, not a folder")]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 4]
        prob = Problem(str(p), f"line {line} (byte {exc.start})", "-", repr(bad),
                       "the file must be UTF-8 text; re-save it as UTF-8")
        raise DataError([prob]) from None
    if not text.strip():
        raise DataError([Problem(str(p), "file", "-", "", "the file is empty")])
    return text


def read_csv_rows(
    path: str | os.PathLike[str], *, required: Sequence[str], optional: Sequence[str] = ()
) -> list[dict[str, str]]:
    """Read a CSV file as text rows, checking its header.

    Every cell is kept as text (nothing is converted). Missing required columns and
    unknown columns are reported together.
    """
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
        body = list(reader)
    except csv.Error as exc:
        raise DataError([Problem(str(path), "file", "-", "", f"not valid CSV: {exc}")]) from None
    problems: list[Problem] = []
    missing = [c for c in required if c not in header]
    known = set(required) | set(optional)
    unknown = [c for c in header if c not in known]
    valid = ", ".join([*required, *optional])
    for col in missing:
        problems.append(Problem(str(path), "header", col, ",".join(header), f"missing column; columns are {valid}"))
    for col in unknown:
        problems.append(Problem(str(path), "header", col, col, f"unknown column; columns are {valid}"))
    dupes = {c for c in header if header.count(c) > 1}
    for col in sorted(dupes):
        problems.append(Problem(str(path), "header", col, col, "column appears more than once"))
    if problems:
        raise DataError(problems)
    rows: list[dict[str, str]] = []
    for n, cells in enumerate(body, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(Problem(str(path), f"row {n}", "-", ",".join(cells)[:80],
                                    f"{len(cells)} cells, expected {len(header)} (one per column)"))
            continue
        row = dict(zip(header, cells))
        row["__row__"] = str(n)
        for col in optional:
            row.setdefault(col, "")
        rows.append(row)
    if problems:
        raise DataError(problems)
    return rows


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[str]]:
    """Open a temporary file beside ``path`` and rename it into place on success.

    On any failure the temporary file is removed and an existing ``path`` is untouched.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8", newline=None if "b" in mode else "") as fh:
            yield fh
        # mkstemp creates 0600 files; give the output the permissions a plain open() would
        try:
            os.chmod(tmp, target.stat().st_mode & 0o7777)
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_write(path) as fh:
        fh.write(text)
