"""File helpers: tolerant text reading and atomic writing."""

from __future__ import annotations

import contextlib
import csv
import errno
import gc
import io
import itertools
import json
import math
import os
import re
import signal
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from operator import itemgetter
from pathlib import Path
from types import FrameType
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

from ._errors import DataError, Problem

__all__ = ["EXCEL_RISKY_STARTS", "csv_text", "read_text", "read_csv_rows", "read_csv_table", "read_csv_columns",
           "atomic_write", "write_text_atomic"]


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


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while reading a large file (restored after, as it was).

    Reading creates millions of objects and no reference cycles; the collector would scan
    them all again and again as they pile up (several times the reading itself on large files).
    At the end, what was made meanwhile is moved to the oldest generation (``gc.freeze()`` then
    ``gc.unfreeze()``: it is long-lived data), rather than scanned at once by the next young
    collection -- unless the program has frozen objects of its own, which stay as they are.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


#: Longest CSV cell accepted (characters); a longer cell is reported with its row and column.
MAX_CELL_CHARS = 128 * 1024
# Re-entrant: a CSV may be read while another one's rows are being consumed (same thread).
_CSV_LIMIT_LOCK = threading.RLock()
#: Rows parsed per hold of the lock (the csv module's cell limit is global).
_CSV_BATCH = 8192
#: Line breaks other than ``\n`` that ``str.splitlines`` would split at (and the csv module does not).
_OTHER_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_BREAKS_BUT_CR = re.compile(_OTHER_BREAKS.pattern.replace("\r", ""))
_CHUNK_CHARS = 1 << 20


def _lines(text: str) -> Iterator[str]:
    r"""Yield the lines of ``text`` as ``io.StringIO(text, newline="")`` does, without its copy of the text.

    Chunks of about a MiB end after a ``\n`` (so a ``\r\n`` is never cut); a chunk with any
    other line break is split by ``io.StringIO`` itself, the rest by ``str.splitlines``.
    """
    n = len(text)
    pos = 0
    while pos < n:
        end = text.find("\n", pos + _CHUNK_CHARS)
        end = n if end == -1 else end + 1
        chunk = text[pos:end] if pos or end < n else text
        if _OTHER_BREAKS.search(chunk):
            yield from io.StringIO(chunk, newline="")
        else:
            yield from chunk.splitlines(True)
        pos = end


class _CsvRecords:
    """The records of CSV text, parsed in batches; a parse error is a DataError naming the row and line.

    The csv module's own cell limit (global, 128 KiB) would refuse a long cell without naming
    it; it is raised while a batch is parsed, and :data:`MAX_CELL_CHARS` is checked per cell
    by the caller instead. Row numbers count the header as row 1.
    """

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text
        self.reader = csv.reader(_lines(text))
        self.count = 0  # records read so far
        self.done = False

    def batch(self, size: int = _CSV_BATCH) -> list[list[str]]:
        """Return up to ``size`` more records (an empty list at the end)."""
        if self.done:
            return []
        with _CSV_LIMIT_LOCK:
            old_limit = csv.field_size_limit()
            csv.field_size_limit(max(old_limit, len(self.text) + 1))
            try:
                out = list(itertools.islice(self.reader, size))
            except csv.Error:
                self.done = True
                raise self._error() from None
            finally:
                csv.field_size_limit(old_limit)
        if len(out) < size:
            self.done = True
        self.count += len(out)
        return out

    def _error(self) -> DataError:
        """Return the DataError of the file's first CSV syntax error (read again, record by record, to name its row)."""
        reader = csv.reader(_lines(self.text))
        rows = 0
        while True:
            try:
                next(reader)
            except csv.Error as exc:
                where = f"row {rows + 1} (line {reader.line_num})"
                return DataError([Problem(self.file, where, "-", "", f"not valid CSV: {exc}")])
            except StopIteration:  # pragma: no cover - the error is found again
                return DataError([Problem(self.file, "file", "-", "", "not valid CSV")])
            rows += 1


def read_csv_table(
    path: str | os.PathLike[str], *, required: Sequence[str], optional: Sequence[str] = ()
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Read a CSV file's header and check it; return the header and an iterator over the body rows.

    The iterator yields ``(row number, cells)`` (the header is row 1) for every row that is not
    blank, has one cell per column and no cell over :data:`MAX_CELL_CHARS`; rows are parsed as
    they are consumed (the file's rows are never all held at once). After the last row it
    raises :class:`DataError` listing every row that was not yielded, if any. The problems are
    those :func:`read_csv_rows` reports, with the same precedence: a CSV syntax error anywhere
    in the file first, then the header, then the rows.
    """
    header, records = _csv_header(path, required=required, optional=optional)
    return header, _body_rows(str(path), header, records)


def _csv_header(
    path: str | os.PathLike[str], *, required: Sequence[str], optional: Sequence[str]
) -> tuple[list[str], _CsvRecords]:
    """Read a CSV file's header and check it; return it and the parser, positioned at the first body row."""
    text = read_text(path)
    file = str(path)
    records = _CsvRecords(file, text)
    del text
    first = records.batch(1)
    if not first:
        raise DataError([Problem(file, "file", "-", "", "the file is empty")])
    header = [h.strip() for h in first[0]]
    problems: list[Problem] = []
    missing = [c for c in required if c not in header]
    known = set(required) | set(optional)
    unknown = [c for c in header if c not in known]
    valid = ", ".join([*required, *optional])
    for col in missing:
        problems.append(Problem(file, "header", col, ",".join(header), f"missing column; columns are {valid}"))
    for col in unknown:
        problems.append(Problem(file, "header", col, col, f"unknown column; columns are {valid}"))
    dupes = {c for c in header if header.count(c) > 1}
    for col in sorted(dupes):
        problems.append(Problem(file, "header", col, col, "column appears more than once"))
    if problems:
        while records.batch():  # a CSV syntax error later in the file is reported instead
            pass
        raise DataError(problems)
    return header, records


def _body_rows(file: str, header: list[str], records: _CsvRecords) -> Iterator[tuple[int, list[str]]]:
    for numbers, rows in _body_batches(file, header, records):
        yield from zip(numbers, rows)


_FIRST = itemgetter(0)


def _body_batches(file: str, header: list[str], records: _CsvRecords) -> Iterator[tuple[Sequence[int], list[list[str]]]]:
    """Yield the body rows in batches: (their row numbers, their cells); see :func:`read_csv_table`."""
    problems: list[Problem] = []
    width = len(header)
    n = 1
    while True:
        batch = records.batch()
        if not batch:
            break
        first = n + 1
        n += len(batch)
        # the common case at once: one cell per column, none too long, the first cell never blank
        if (not problems and width and set(map(len, batch)) == {width}
                and max(map(len, itertools.chain.from_iterable(batch))) <= MAX_CELL_CHARS
                and all(map(str.strip, map(_FIRST, batch)))):
            yield range(first, n + 1), batch
            continue
        numbers: list[int] = []
        rows: list[list[str]] = []
        for row_n, cells in enumerate(batch, start=first):
            if len(cells) != width or len(joined := "".join(cells)) > MAX_CELL_CHARS:
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) != width:
                    problems.append(Problem(file, f"row {row_n}", "-", ",".join(cells)[:80],
                                            f"{len(cells)} cells, expected {width} (one per column)"))
                    continue
                long_cells = [(col, cell) for col, cell in zip(header, cells) if len(cell) > MAX_CELL_CHARS]
                for col, cell in long_cells:
                    problems.append(Problem(file, f"row {row_n}", col, cell[:40] + "...",
                                            f"at most {MAX_CELL_CHARS:,} characters in a cell; this one has "
                                            f"{len(cell):,}"))
                if long_cells or problems:
                    continue
            elif problems or not joined or joined.isspace():  # after a bad row, rows are only checked
                continue
            numbers.append(row_n)
            rows.append(cells)
        if rows:
            yield numbers, rows
    if problems:
        raise DataError(problems)


def read_csv_columns(
    path: str | os.PathLike[str], *, required: Sequence[str], optional: Sequence[str] = (), encode: Sequence[str] = ()
) -> tuple[list[str], Iterator[tuple[Sequence[int], list[list[str]]]]]:
    """:func:`read_csv_table`, its rows in batches of columns: ``(row numbers, one list of cells per column)``.

    The same rows, numbers and errors. A large file that pyarrow's CSV reader reads exactly as
    the csv module does (see :func:`_arrow_batches`) is parsed by pyarrow, several times faster;
    any other file by the csv module. When pyarrow parsed it, the batches have a ``codes``
    attribute: for each column named in ``encode`` that the file has, one code per row (int32;
    equal cells, equal codes; numbered in the order the cells first appear, see
    :class:`ArrowBatches`).
    """
    header, records = _csv_header(path, required=required, optional=optional)
    fast = _arrow_batches(header, records, encode) if len(records.text) >= ARROW_MIN_CHARS else None
    if fast is not None:
        return header, fast
    return header, ((numbers, [list(col) for col in zip(*rows)]) for numbers, rows in
                    _body_batches(str(path), header, records))


#: Text size (characters) from which :func:`read_csv_columns` tries pyarrow's reader (importing
#: pyarrow costs more than the csv module takes on a small file).
ARROW_MIN_CHARS = 1 << 20
#: Rows per batch that :func:`_arrow_batches` turns into Python lists at once.
_ARROW_BATCH = 1 << 13
#: A quoted cell as RFC 4180 writes it: quotes inside doubled (the loop unrolled: runs of non-quotes).
_QUOTED = re.compile(r'"[^"]*(?:""[^"]*)*"')


def _rfc_quotes(text: str) -> bool:
    """Whether every quote in ``text`` is part of a quoted cell that starts and ends at cell bounds.

    Then the csv module (which also reads a quote inside a cell, or text after a closing quote,
    its own way) and pyarrow read the same cells. The greedy match of :data:`_QUOTED` from a
    quote at a cell's start is the cell the csv module reads from there.
    """
    found = 0
    n = len(text)
    for m in _QUOTED.finditer(text):
        s, e = m.span()
        if (s and text[s - 1] not in ",\n") or (e < n and text[e] not in ",\r\n"):
            return False
        found += m.group().count('"')
    return found == text.count('"')


def _arrow_batches(header: list[str], records: _CsvRecords, encode: Sequence[str] = ()) -> ArrowBatches | None:
    r"""The body rows of ``records`` as :func:`_body_batches` yields them, parsed by pyarrow; None where it could differ.

    pyarrow reads a file as the csv module does when: line breaks are ``\n`` or ``\r\n`` only
    (the csv module also breaks lines at a lone ``\r``), no NUL, quotes as RFC 4180 writes them
    (:func:`_rfc_quotes`), every row has one cell per column (pyarrow refuses any other), no
    cell is longer than :data:`MAX_CELL_CHARS` and no row's first cell is blank (the csv
    module's rows skip blank rows, counted). Row numbers are then counted the same way (records,
    the header being row 1). Other line-break characters (which the csv module keeps in cells, as
    pyarrow does) are left to the csv module all the same: a rare case, not worth a risk.
    """
    text = records.text
    if "\x00" in text or text.count("\r") != text.count("\r\n") or (not text.isascii() and _BREAKS_BUT_CR.search(text)):
        return None
    if '"' in text and not _rfc_quotes(text):
        return None
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pcsv
    except ImportError:  # pragma: no cover - a dependency
        return None
    raw_header = next(csv.reader(_lines(text)))
    # the columns to encode are read as dictionaries (codes by chunk), then their chunks given one dictionary
    coded = pa.dictionary(pa.int32(), pa.string())
    try:
        table = pcsv.read_csv(
            pa.py_buffer(text.encode("utf-8")),
            read_options=pcsv.ReadOptions(block_size=1 << 24),
            parse_options=pcsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(
                column_types={h: coded if h.strip() in encode else pa.string() for h in raw_header},
                strings_can_be_null=False, quoted_strings_can_be_null=False))
        table = table.unify_dictionaries()
    except (pa.ArrowInvalid, ValueError):
        return None
    if table.column_names != raw_header or len(raw_header) != len(header):
        return None
    for col in table.columns:
        values = col.chunks[0].dictionary if pa.types.is_dictionary(col.type) and col.num_chunks else col
        if len(values) and pc.max(pc.utf8_length(values)).as_py() > MAX_CELL_CHARS:
            return None
    first = table.column(0).to_pylist()
    if not all(map(str.strip, first)):
        return None
    return ArrowBatches(table, first, header, encode)


class ArrowBatches:
    """The rows of a pyarrow table in batches of columns, as :func:`read_csv_columns` yields them.

    ``codes`` holds, for each column named in ``encode`` that the table has, one code per row
    (int32): pyarrow's dictionary encoding (the CSV reader's, its chunks given one
    dictionary), which numbers the distinct cells in the order they first appear. Once the rows
    are all yielded the table is let go and pyarrow's memory pool gives back what it held (its
    allocator keeps freed memory otherwise: some 350 MB after a million rows).
    """

    def __init__(self, table: Any, first: list[str], header: Sequence[str], encode: Sequence[str] = ()) -> None:
        """``first``: the table's first column, already as a list; ``header``: its columns' names as checked (stripped).

        A column is found by its checked name, not the table's: a header cell written ``" start"``
        names the column ``start``.
        """
        import numpy as np
        import pyarrow as pa

        self.codes: dict[str, np.ndarray] = {}
        #: each encoded column's distinct cells, by code (pyarrow arrays)
        self.dictionaries: dict[str, Any] = {}
        for name in encode:
            if name not in header:
                continue
            col = table.column(header.index(name))  # (read as a dictionary, its chunks given one: see _arrow_batches)
            chunks = [c.indices.to_numpy(zero_copy_only=False) for c in col.chunks]
            self.codes[name] = np.concatenate(chunks).astype(np.int32, copy=False) if chunks else np.zeros(0, np.int32)
            self.dictionaries[name] = col.chunks[0].dictionary if col.num_chunks else pa.array([], pa.string())
        self.header = list(header)
        self.first: list[str] | None = first
        #: the table, until the rows are asked for in batches or :meth:`release` is called
        self.table: Any = table
        self._rows = self._batches(table, first)

    def column(self, name: str) -> Any:
        """The table's column of that checked name (one pyarrow array), or None when the file lacks it."""
        if self.table is None:
            raise RuntimeError("the table was let go")  # (a caller's bug: columns are read before batches)
        return self.table.column(self.header.index(name)).combine_chunks() if name in self.header else None

    def release(self) -> None:
        """Let the table go (what was taken of it is kept), and give pyarrow's unused memory back."""
        import pyarrow as pa

        self.table = self.first = self._rows = None  # type: ignore[assignment]
        pa.default_memory_pool().release_unused()

    def __iter__(self) -> ArrowBatches:
        return self

    def __next__(self) -> tuple[Sequence[int], list[list[str]]]:
        self.table = self.first = None  # (the batches hold them as long as they need them)
        return next(self._rows)

    @staticmethod
    def _batches(table: Any, first: list[str]) -> Iterator[tuple[Sequence[int], list[list[str]]]]:
        import pyarrow as pa

        n = table.num_rows
        for lo in range(0, n, _ARROW_BATCH):
            part = table.slice(lo, _ARROW_BATCH)
            cols = [first[lo:lo + _ARROW_BATCH], *(part.column(i).to_pylist() for i in range(1, part.num_columns))]
            del part
            yield range(lo + 2, lo + 2 + len(cols[0])), cols
        del table, first
        pa.default_memory_pool().release_unused()


def read_csv_rows(
    path: str | os.PathLike[str], *, required: Sequence[str], optional: Sequence[str] = ()
) -> list[dict[str, str]]:
    """Read a CSV file as text rows, checking its header.

    Every cell is kept as text (nothing is converted). Missing required columns and
    unknown columns are reported together.
    """
    header, body = read_csv_table(path, required=required, optional=optional)
    rows: list[dict[str, str]] = []
    for n, cells in body:
        row = dict(zip(header, cells))
        row["__row__"] = str(n)
        for col in optional:
            row.setdefault(col, "")
        rows.append(row)
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


#: Integers longer than this (digits) are not read as numbers (no coordinate needs them).
MAX_JSON_INT_DIGITS = 300


class OversizedInt:
    """A JSON integer too long to be a number here; kept as text so it can be reported."""

    def __init__(self, digits: str) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"{self.digits[:20]}... (a {len(self.digits.lstrip('-'))}-digit number)"


def _parse_int(text: str) -> int | OversizedInt:
    return OversizedInt(text) if len(text.lstrip("-")) > MAX_JSON_INT_DIGITS else int(text)


#: A JSON escape of a UTF-16 surrogate (``\ud800``-``\udfff``, any letter case): the only way a
#: lone surrogate gets into the text read (UTF-8 decoding refuses encoded ones).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def read_json(path: str | os.PathLike[str]) -> Any:
    """Read a JSON file; every failure is a DataError naming the file (and line when known)."""
    return read_json_checked(path)[0]


def read_json_checked(path: str | os.PathLike[str]) -> tuple[Any, bool]:
    """Return the JSON data of a file and whether it may hold a lone surrogate (see :func:`read_json`).

    Integers of more than :data:`MAX_JSON_INT_DIGITS` digits are read as :class:`OversizedInt`.
    """
    text = read_text(path)
    surrogates = _SURROGATE_ESCAPE.search(text) is not None
    try:
        with gc_paused():
            return json.loads(text, parse_int=_parse_int), surrogates
    except json.JSONDecodeError as exc:
        raise DataError([Problem(str(path), f"line {exc.lineno}", "-", "", f"not valid JSON: {exc.msg}")]) from None
    except RecursionError:
        raise DataError([Problem(str(path), "file", "-", "", "not usable JSON: arrays/objects are nested too deeply")]) from None
    except ValueError as exc:  # anything else the decoder refuses
        raise DataError([Problem(str(path), "file", "-", "", f"not usable JSON: {exc}")]) from None


def json_number(x: object) -> float | None:
    """Return a JSON number as a finite float, or None (not a number, infinite, NaN or too large)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    try:
        value = float(x)
    except OverflowError:
        return None
    return value if math.isfinite(value) else None
