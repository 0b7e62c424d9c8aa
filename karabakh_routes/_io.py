"""File helpers: tolerant text reading and atomic writing."""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import IO, Any

from ._errors import DataError, Problem

__all__ = ["EXCEL_RISKY_STARTS", "csv_text", "read_text", "read_csv_rows", "atomic_write", "write_text_atomic"]


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
    except OSError as exc:  # permission denied, a broken link, ...
        raise DataError([Problem(str(p), "file", "-", "", f"a readable file ({exc.strerror or exc})")]) from None
    except ValueError:  # a NUL in the path
        raise DataError([Problem(str(p), "file", "-", "", "a file name without NUL characters")]) from None
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


#: Longest CSV cell accepted (characters); a longer cell is reported with its row and column.
MAX_CELL_CHARS = 128 * 1024
_CSV_LIMIT_LOCK = threading.Lock()


def _parse_csv(file: str, text: str) -> tuple[list[str], list[list[str]]]:
    """Split CSV text into a stripped header and body rows (row numbers count the header as row 1).

    The csv module's own cell limit (global, 128 KiB) would refuse a long cell without naming
    it; it is raised while this file is parsed, and :data:`MAX_CELL_CHARS` is checked per cell
    by the caller instead.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    with _CSV_LIMIT_LOCK:
        old_limit = csv.field_size_limit()
        csv.field_size_limit(max(old_limit, len(text) + 1))
        try:
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    where = f"row {len(rows) + 1} (line {reader.line_num})"
                    raise DataError([Problem(file, where, "-", "", f"not valid CSV: {exc}")]) from None
                rows.append(cells)
        finally:
            csv.field_size_limit(old_limit)
    if not rows:
        raise DataError([Problem(file, "file", "-", "", "the file is empty")])
    return [h.strip() for h in rows[0]], rows[1:]


def read_csv_rows(
    path: str | os.PathLike[str], *, required: Sequence[str], optional: Sequence[str] = ()
) -> list[dict[str, str]]:
    """Read a CSV file as text rows, checking its header.

    Every cell is kept as text (nothing is converted). Missing required columns and
    unknown columns are reported together.
    """
    text = read_text(path)
    header, body = _parse_csv(str(path), text)
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
        long_cells = [(col, cell) for col, cell in zip(header, cells) if len(cell) > MAX_CELL_CHARS]
        for col, cell in long_cells:
            problems.append(Problem(str(path), f"row {n}", col, cell[:40] + "...",
                                    f"at most {MAX_CELL_CHARS:,} characters in a cell; this one has {len(cell):,}"))
        if long_cells:
            continue
        row = dict(zip(header, cells))
        row["__row__"] = str(n)
        for col in optional:
            row.setdefault(col, "")
        rows.append(row)
    if problems:
        raise DataError(problems)
    return rows


def _relabel(exc: OSError, shown: str) -> OSError:
    """The same error (same errno, so the same subclass), naming the path the caller gave."""
    return OSError(exc.errno, exc.strerror or str(exc), shown)


@contextlib.contextmanager
def _cleanup_on_signals(tmp: str) -> Iterator[None]:
    """While writing ``tmp``: on SIGTERM or SIGHUP remove it, then die of the signal.

    A signal whose handler is a Python function is passed on to that function first; if
    it returns, the write goes on. A signal that is ignored stays ignored. Handlers are
    only installed from the main thread (Python allows no other) and are restored after.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}
    fired: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        prev = previous.get(signum)
        if callable(prev):
            prev(signum, frame)  # may raise (SystemExit, KeyboardInterrupt): the write is abandoned
            return
        if not fired:  # a second signal must not interrupt the clean-up of the first
            fired.append(signum)
            raise _Killed(signum)

    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is None:  # pragma: no cover - not on Windows
            continue
        prev = signal.getsignal(signum)
        if prev in (signal.SIG_IGN, None):  # ignored (nohup), or set outside Python: leave it
            continue
        previous[signum] = prev
        signal.signal(signum, handler)
    try:
        yield
    except _Killed as killed:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        for signum, prev in previous.items():
            signal.signal(signum, prev)
        previous.clear()
        os.kill(os.getpid(), killed.signum)  # the default action: the process dies of the signal
        raise SystemExit(128 + killed.signum) from None  # pragma: no cover - not reached
    finally:
        for signum, prev in previous.items():
            signal.signal(signum, prev)


class _Killed(BaseException):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Open ``path`` for writing so that a failure never leaves a half-written file.

    * A missing path or a regular file: write a temporary file beside it, then rename it
      into place. On any failure -- including SIGTERM or SIGHUP -- the temporary file is
      removed and an existing file is untouched. An existing file keeps its permissions.
    * A symbolic link to a regular file: the same, for the file the link points to; the
      link stays.
    * Anything else that exists and is not a folder (``/dev/null``, ``/dev/stdout``, a FIFO,
      a terminal): written to directly, never replaced.

    Raises
    ------
    OSError
        Every error names ``path`` as given (never the temporary file); a folder raises
        :class:`IsADirectoryError`, an empty path :class:`FileNotFoundError`.
    """
    shown = os.fspath(path)
    binary = "b" in mode
    encoding = None if binary else "utf-8"
    newline = None if binary else ""
    if not shown:
        raise FileNotFoundError(errno.ENOENT, "the file name is empty", shown)
    try:
        st: os.stat_result | None = os.stat(shown)
    except FileNotFoundError:
        st = None  # missing, or a link to a missing file: created below
    except OSError as exc:
        raise _relabel(exc, shown) from exc
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "Is a directory (give a file name)", shown)
    if st is not None and not stat.S_ISREG(st.st_mode):
        try:
            fh = open(shown, mode, encoding=encoding, newline=newline)  # noqa: SIM115
        except OSError as exc:
            raise _relabel(exc, shown) from exc
        try:
            with fh:
                yield fh
        except OSError as exc:
            if exc.filename is None:
                raise _relabel(exc, shown) from exc
            raise
        return
    target = Path(os.path.realpath(shown))  # through symbolic links: replace the file, keep the link
    try:
        # the name is cut so that a long (valid) file name does not give a too-long temporary name
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:64]}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _relabel(exc, shown) from exc
    try:
        with _cleanup_on_signals(tmp):
            try:
                with os.fdopen(fd, mode, encoding=encoding, newline=newline) as fh:
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
    except OSError as exc:
        if exc.filename is None or exc.filename in (tmp, str(target), shown) or exc.filename2 == str(target):
            raise _relabel(exc, shown) from exc
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` as UTF-8, atomically where ``path`` is a file (see :func:`atomic_write`)."""
    with atomic_write(path) as fh:
        fh.write(text)


#: First characters that make a spreadsheet (Excel, LibreOffice, Google Sheets) read a cell
#: as a formula -- the OWASP "CSV injection" list, plus the full-width forms some
#: spreadsheets also accept.
EXCEL_RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _excel_safe(cell: str) -> str:
    return "'" + cell if cell.startswith(EXCEL_RISKY_STARTS) else cell


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, str]], *, excel_safe: bool = False) -> str:
    """Return CSV text (header and rows), every cell as given (``excel_safe``: risky cells get a leading ``'``).

    What :func:`karabakh_routes.write_events`, :func:`karabakh_routes.write_sources` and
    ``karabakh-routes events --csv`` write.
    """
    records = [{c: r.get(c, "") for c in columns} for r in rows]
    if excel_safe:
        records = [{c: _excel_safe(v) for c, v in rec.items()} for rec in records]
    # A lone carriage return in a cell is not quoted by QUOTE_MINIMAL with "\n" line ends and
    # would read back as a line break: quote every cell in that (rare) case so nothing is lost.
    has_cr = any("\r" in v for rec in records for v in rec.values())
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n",
                            quoting=csv.QUOTE_ALL if has_cr else csv.QUOTE_MINIMAL)
    writer.writeheader()
    writer.writerows(records)
    return buf.getvalue()
