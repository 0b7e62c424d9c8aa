"""Hostile outputs and hostile text (issue 7): -o rules, signals, devices, escaping, CSV injection, exit codes.

We run as root in CI containers: every test that writes to a device first makes sure that a
regression could not replace it (rename and temporary files are disabled for /dev).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import karabakh_routes as kr
from karabakh_routes import _errors, _io, cli
from karabakh_routes._io import EXCEL_RISKY_STARTS
from karabakh_routes._text import UNSAFE_CHARS, escape_json, escape_terminal, unescape_terminal
from karabakh_routes.cli import main
from karabakh_routes.datasets import bundled_path
from karabakh_routes.vocab import EVENT_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("events", "sources", "places", "segments", "routes")
# every command with -o, with the arguments it needs on the fixture data
COMMANDS: dict[str, list[str]] = {
    "places": ["places"],
    "segments": ["segments"],
    "status": ["status", "--on", "2021-03-11"],
    "reach": ["reach", "west", "east", "--on", "2021-03-11"],
    "periods": ["periods", "west", "far", "--from", "2021-01-01", "--to", "2021-06-01"],
    "events": ["events"],
    "validate": ["validate"],
    "map": ["map", "--on", "2021-03-11", "--offline"],
    "timeline-map": ["timeline-map", "--offline"],
    "chart": ["chart"],
}
TEXT_COMMANDS = ["places", "segments", "status", "reach", "periods", "events", "validate"]
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202eevil\u2066x\u2069\x00\r"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def data_args(files: dict[str, Path], **override: str) -> list[str]:
    paths = {k: str(v) for k, v in files.items()}
    paths.update(override)
    return [a for k, v in paths.items() for a in (f"--{k}", v)]


def raw_unsafe(text: str, *, newlines: bool = True) -> list[str]:
    """The characters escape_terminal must never let through."""
    found = re.findall(f"[{UNSAFE_CHARS}]", text)
    return [c for c in found if not (newlines and c == "\n")]


@pytest.fixture
def no_device_replace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make a regression fail loudly instead of replacing /dev/null or /dev/stdout (we may be root)."""
    real_replace, real_mkstemp = os.replace, _io.tempfile.mkstemp

    def guarded_replace(src: Any, dst: Any, *a: Any, **k: Any) -> None:
        assert not os.path.realpath(dst).startswith(("/dev/", "/proc/")), f"would replace {dst}"
        real_replace(src, dst, *a, **k)

    def guarded_mkstemp(*a: Any, **k: Any) -> Any:
        assert not str(k.get("dir", "")).startswith(("/dev", "/proc")), "temporary file in /dev"
        return real_mkstemp(*a, **k)

    monkeypatch.setattr(_io.os, "replace", guarded_replace)
    monkeypatch.setattr(_io.tempfile, "mkstemp", guarded_mkstemp)


# --------------------------------------------------------------------------------------------
# 1a. -o may not name one of the command's inputs
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("command", list(COMMANDS))
def test_output_may_not_be_an_input(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path],
                                    command: str, kind: str) -> None:
    target = fixture_files[kind]
    before = target.read_bytes()
    code, out, err = run(capsys, *COMMANDS[command], "-o", str(target), *data_args(fixture_files))
    assert code == 2, err
    assert f"is the same file as --{kind}" in err and "Traceback" not in err
    assert target.read_bytes() == before


@pytest.mark.parametrize("how", ["symlink", "hardlink", "relative", "dotdot"])
def test_output_same_file_by_another_name(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path],
                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    events = fixture_files["events"]
    before = events.read_bytes()
    if how == "symlink":
        other = tmp_path / "link.csv"
        other.symlink_to(events)
        name = str(other)
    elif how == "hardlink":
        other = tmp_path / "hard.csv"
        os.link(events, other)
        name = str(other)
    elif how == "relative":
        monkeypatch.chdir(tmp_path)
        name = "events.csv"
    else:
        (tmp_path / "sub").mkdir()
        name = str(tmp_path / "sub" / ".." / "events.csv")
    code, _, err = run(capsys, "events", "--csv", "-o", name, *data_args(fixture_files))
    assert code == 2 and "same file as --events" in err
    assert events.read_bytes() == before


def test_output_may_not_be_a_bundled_input(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_write(*a: Any, **k: Any) -> None:
        pytest.fail("wrote over the bundled data")

    monkeypatch.setattr(cli, "write_text_atomic", must_not_write)
    bundled = bundled_path("events")
    code, _, err = run(capsys, "events", "--csv", "-o", str(bundled))
    assert code == 2 and "bundled events file" in err


def test_output_may_not_go_into_the_seeds_folder(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path],
                                                 tmp_path: Path) -> None:
    seed = tmp_path / "seeds" / "a1.txt"
    before = seed.read_bytes()
    for name in (seed, tmp_path / "seeds" / "new.txt"):
        code, _, err = run(capsys, "events", "-o", str(name), *data_args(fixture_files))
        assert code == 2 and "source articles" in err
    assert seed.read_bytes() == before and sorted(os.listdir(seed.parent)) == ["a1.txt"]
    elsewhere = tmp_path / "copy.txt"
    os.link(seed, elsewhere)  # a hard link to an article, outside the folder
    code, _, err = run(capsys, "events", "-o", str(elsewhere), *data_args(fixture_files))
    assert code == 2 and seed.read_bytes() == before


def test_output_next_to_inputs_is_fine(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path],
                                       tmp_path: Path) -> None:
    code, out, _ = run(capsys, "events", "-o", str(tmp_path / "events.txt"), *data_args(fixture_files))
    assert code == 0 and "wrote" in out and "E1" in (tmp_path / "events.txt").read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------
# 1b. devices, FIFOs, folders, symbolic links
# --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("no_device_replace")
@pytest.mark.parametrize("command", ["places", "events", "map"])
def test_dev_null_stays_a_device(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path], command: str) -> None:
    code, out, err = run(capsys, *COMMANDS[command], "-o", "/dev/null", *data_args(fixture_files))
    assert code == 0, err
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode) and out == ""


@pytest.mark.usefixtures("no_device_replace")
def test_link_to_dev_null_stays_a_link(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path],
                                       tmp_path: Path) -> None:
    link = tmp_path / "null"
    link.symlink_to("/dev/null")
    code, _, err = run(capsys, "places", "--json", "-o", str(link), *data_args(fixture_files))
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == "/dev/null"
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_fifo_is_written_through(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path], tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text(encoding="utf-8")), daemon=True)
    reader.start()
    code, out, err = run(capsys, "places", "--json", "-o", str(fifo), *data_args(fixture_files))
    reader.join(10)
    assert code == 0, err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(got[0])[0]["id"] == "west"
    assert out == ""  # no "wrote ..." line: it would land in the reader's data


def test_fifo_library_binary_and_text(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for mode, payload in (("w", "Şərq\n"), ("wb", b"\x89PNG")):
        got: list[bytes] = []
        reader = threading.Thread(target=lambda got=got: got.append(fifo.read_bytes()), daemon=True)
        reader.start()
        with _io.atomic_write(fifo, mode) as fh:
            fh.write(payload)
        reader.join(10)
        assert got == [payload.encode() if isinstance(payload, str) else payload]
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


SUBPROCESS_GUARD = """
import os, sys
real_replace = os.replace
def guarded(src, dst, *a, **k):
    if os.path.realpath(dst).startswith(("/dev/", "/proc/")):
        raise SystemExit("REGRESSION: would replace " + str(dst))
    return real_replace(src, dst, *a, **k)
os.replace = guarded
"""


@pytest.mark.parametrize("command", [["places", "--json"], ["events", "--csv"]])
def test_dev_stdout_stays_a_link(fixture_files: dict[str, Path], command: list[str]) -> None:
    argv = [*command, "-o", "/dev/stdout", *data_args(fixture_files)]
    script = SUBPROCESS_GUARD + f"from karabakh_routes.cli import main\nsys.exit(main({argv!r}))\n"
    before = os.readlink("/dev/stdout")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert os.path.islink("/dev/stdout") and os.readlink("/dev/stdout") == before
    if "--json" in command:
        assert json.loads(proc.stdout)[0]["id"] == "west"  # the data only: no "wrote" line after it
    else:
        assert proc.stdout.startswith("id,start,end,") and "wrote" not in proc.stdout


def test_folder_is_an_error(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path], tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    for command in COMMANDS:
        code, _, err = run(capsys, *COMMANDS[command], "-o", str(folder), *data_args(fixture_files))
        assert code == 2 and "is a folder" in err, command
    with pytest.raises(IsADirectoryError) as info, _io.atomic_write(folder) as fh:
        fh.write("x")
    assert info.value.filename == str(folder)
    assert os.listdir(folder) == []


def test_symlink_to_file_replaces_the_target_keeps_the_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "out.json"
    real.write_text("OLD", encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(Path("real") / "out.json")
    _io.write_text_atomic(link, "NEW")
    assert link.is_symlink() and os.readlink(link) == str(Path("real") / "out.json")
    assert real.read_text(encoding="utf-8") == "NEW" and real.stat().st_mode & 0o777 == 0o640
    assert sorted(os.listdir(tmp_path / "real")) == ["out.json"]
    # a dangling link: the file it names is created
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(Path("real") / "new.json")
    _io.write_text_atomic(dangling, "X")
    assert dangling.is_symlink() and (tmp_path / "real" / "new.json").read_text(encoding="utf-8") == "X"


def test_longest_file_name_can_be_written(tmp_path: Path) -> None:
    name = tmp_path / ("n" * 255)  # the longest name most file systems allow
    _io.write_text_atomic(name, "x")
    assert name.read_text(encoding="utf-8") == "x" and os.listdir(tmp_path) == [name.name]


def test_cli_symlink_output(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path], tmp_path: Path) -> None:
    real = tmp_path / "result.json"
    real.write_text("OLD", encoding="utf-8")
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    code, out, _ = run(capsys, "reach", "west", "east", "--on", "2021-02-01", "--json", "-o", str(link),
                       *data_args(fixture_files))
    assert code == 0 and link.is_symlink() and json.loads(real.read_text(encoding="utf-8"))["answer"] == "yes"


# --------------------------------------------------------------------------------------------
# 1c. SIGTERM / SIGHUP during a write
# --------------------------------------------------------------------------------------------

PAUSED_WRITE = """
import os, signal, sys
# as in a terminal: a run under nohup (which ignores SIGHUP, and the program keeps that) is another case
signal.signal(signal.SIGHUP, signal.SIG_DFL)
from karabakh_routes import cli
real_replace = os.replace
def paused(src, dst, *a, **k):
    # the temporary file is complete and about to be renamed: tell the test, wait for it
    sys.__stdout__.write("TMP " + str(src) + "\\n")
    sys.__stdout__.flush()
    sys.stdin.readline()
    return real_replace(src, dst, *a, **k)
os.replace = paused
{setup}
sys.exit(cli.main({argv!r}))
"""


def _paused_writer(fixture_files: dict[str, Path], out: Path, command: list[str],
                   setup: str = "") -> tuple[subprocess.Popen[str], Path]:
    argv = [*command, "-o", str(out), *data_args(fixture_files)]
    proc = subprocess.Popen([sys.executable, "-c", PAUSED_WRITE.format(setup=setup, argv=argv)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("TMP "), (line, proc.stderr.read() if proc.stderr else "")
    tmp = Path(line[4:].strip())
    assert tmp.exists() and tmp.parent == out.parent and tmp.name.startswith(f".{out.name}.")
    return proc, tmp


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
@pytest.mark.parametrize("command", [["status", "--on", "2021-03-11", "--json"], ["map", "--on", "2021-03-11", "--offline"],
                                     ["events", "--csv"]])
def test_signal_mid_write_removes_temporary_file(fixture_files: dict[str, Path], tmp_path: Path, signame: str,
                                                 command: list[str]) -> None:
    signum = getattr(signal, signame)
    out = tmp_path / "out" / "result.out"
    out.parent.mkdir()
    out.write_text("OLD", encoding="utf-8")
    proc, tmp = _paused_writer(fixture_files, out, command)
    proc.send_signal(signum)
    proc.communicate(timeout=30)
    assert proc.returncode == -signum  # died of the signal, as the shell expects (exit status 128+signum)
    assert not tmp.exists()
    assert os.listdir(out.parent) == ["result.out"] and out.read_text(encoding="utf-8") == "OLD"


def test_an_ignored_sighup_stays_ignored_and_the_write_completes(fixture_files: dict[str, Path], tmp_path: Path) -> None:
    # under nohup SIGHUP is ignored: the program keeps it so, and finishes writing its output
    out = tmp_path / "out" / "result.json"
    out.parent.mkdir()
    out.write_text("OLD", encoding="utf-8")
    proc, tmp = _paused_writer(fixture_files, out, ["status", "--on", "2021-03-11", "--json"],
                               setup="signal.signal(signal.SIGHUP, signal.SIG_IGN)")
    proc.send_signal(signal.SIGHUP)
    proc.communicate("\n", timeout=30)
    assert proc.returncode == 0
    assert not tmp.exists() and os.listdir(out.parent) == ["result.json"]
    assert json.loads(out.read_text(encoding="utf-8"))


def test_signal_handler_of_the_program_is_chained(fixture_files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    setup = "signal.signal(signal.SIGTERM, lambda s, f: sys.exit(99))"
    proc, tmp = _paused_writer(fixture_files, out, ["places", "--json"], setup)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    assert proc.returncode == 99 and not tmp.exists() and not out.exists()


def test_ignored_signal_stays_ignored(fixture_files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    setup = "signal.signal(signal.SIGHUP, signal.SIG_IGN)"  # as under nohup
    proc, tmp = _paused_writer(fixture_files, out, ["places", "--json"], setup)
    proc.send_signal(signal.SIGHUP)
    stdout, _ = proc.communicate("\n", timeout=30)
    assert proc.returncode == 0 and "wrote" in stdout
    assert not tmp.exists() and json.loads(out.read_text(encoding="utf-8"))[0]["id"] == "west"


def test_handlers_are_restored_after_a_write(tmp_path: Path) -> None:
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    with _io.atomic_write(tmp_path / "x") as fh:
        assert signal.getsignal(signal.SIGTERM) is not before[signal.SIGTERM]
        fh.write("x")
    assert {s: signal.getsignal(s) for s in before} == before
    with pytest.raises(RuntimeError), _io.atomic_write(tmp_path / "y"):
        raise RuntimeError
    assert {s: signal.getsignal(s) for s in before} == before


def test_no_handlers_outside_the_main_thread(tmp_path: Path) -> None:
    errors: list[BaseException] = []

    def write() -> None:
        try:
            _io.write_text_atomic(tmp_path / "t.txt", "from a thread")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    t = threading.Thread(target=write)
    t.start()
    t.join(10)
    assert errors == [] and (tmp_path / "t.txt").read_text(encoding="utf-8") == "from a thread"


# --------------------------------------------------------------------------------------------
# 1d. errors name the user's path, never the temporary file
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("failing", ["replace", "chmod", "mkstemp", "write"])
def test_errors_name_the_users_path(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                    fixture_files: dict[str, Path], tmp_path: Path, failing: str) -> None:
    monkeypatch.chdir(tmp_path)
    seen: list[str] = []

    def fail(*a: Any, **k: Any) -> Any:
        seen.append(str(a[0]) if a else str(k))
        raise PermissionError(13, "Permission denied", a[0] if a else None)

    if failing == "write":
        class Broken(io.StringIO):
            def write(self, s: str) -> int:
                raise OSError(28, "No space left on device")
        real_fdopen = os.fdopen
        monkeypatch.setattr(_io.os, "fdopen", lambda fd, *a, **k: (real_fdopen(fd).close(), Broken())[1])
        reason = "No space left on device"
    else:
        module = _io.tempfile if failing == "mkstemp" else _io.os
        monkeypatch.setattr(module, failing, fail)
        reason = "Permission denied"
    code, _, err = run(capsys, "status", "--on", "2021-03-11", "--json", "-o", "out.json", *data_args(fixture_files))
    assert code == 2
    assert f"karabakh-routes: error: cannot write out.json: {reason}" in err, err
    assert ".tmp" not in err and "Traceback" not in err
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []


def test_library_errors_name_the_users_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    with pytest.raises(OSError) as info, _io.atomic_write(target) as fh:
        fh.write("x")
        raise OSError(28, "No space left on device")
    assert info.value.filename == str(target) and info.value.errno == 28
    with pytest.raises(FileNotFoundError) as info2:
        _io.write_text_atomic(tmp_path / "missing" / "out.json", "x")
    assert info2.value.filename == str(tmp_path / "missing" / "out.json")
    # an OSError about some other file, raised by the caller's code, is passed on unchanged
    with pytest.raises(OSError) as info3, _io.atomic_write(target):
        raise FileNotFoundError(2, "No such file or directory", "/elsewhere/input")
    assert info3.value.filename == "/elsewhere/input"


def test_missing_folder_message(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "no" / "m.html"
    code, _, err = run(capsys, "map", "--on", "2021-03-11", "-o", str(out), *data_args(fixture_files))
    assert code == 2 and f"cannot write {out}: No such file or directory" in err


# --------------------------------------------------------------------------------------------
# 1e. an empty -o
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", list(COMMANDS))
def test_empty_output_is_an_error(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path], command: str) -> None:
    code, out, err = run(capsys, *COMMANDS[command], "-o", "", *data_args(fixture_files))
    assert code == 2 and "needs a file name" in err and out == ""


def test_nul_in_file_names_is_exit_2(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path], tmp_path: Path) -> None:
    # not possible from a shell (argv cannot hold NUL), but main() is also called from Python
    code, _, err = run(capsys, "places", "-o", str(tmp_path / "a\x00b"), *data_args(fixture_files))
    assert code == 2 and "NUL" in err and raw_unsafe(err) == []
    code, _, err = run(capsys, "places", "-o", str(tmp_path / "p.txt"), *data_args(fixture_files, events="e\x00.csv"))
    assert code in (0, 2) and "unexpected" not in err


def test_library_refuses_an_empty_path() -> None:
    with pytest.raises(FileNotFoundError):
        _io.write_text_atomic("", "x")


# --------------------------------------------------------------------------------------------
# 2. control codes and bidi controls in data are shown escaped
# --------------------------------------------------------------------------------------------


def _hostile_fixture(tmp_path: Path) -> dict[str, Path]:
    from conftest import EVENTS, PLACES, write_fixture
    files = write_fixture(tmp_path, [list(r) for r in EVENTS])
    doc = json.loads(files["places"].read_text(encoding="utf-8"))
    feat = doc["features"][0]
    feat["properties"]["name"] = "Ստեփանակերտ / Xankəndi 🚚" + HOSTILE
    feat["properties"]["aliases"] = [*PLACES["west"][1], "evil" + HOSTILE]
    files["places"].write_text(json.dumps(doc), encoding="utf-8")
    rows = list(csv.reader(io.StringIO(files["events"].read_text(encoding="utf-8"))))
    rows[1][9] = "X" + HOSTILE  # claimant
    rows[1][12] = "note" + HOSTILE
    with open(files["events"], "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return files


@pytest.mark.parametrize("command", TEXT_COMMANDS)
def test_text_output_escapes_data(capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str) -> None:
    files = _hostile_fixture(tmp_path)
    code, out, err = run(capsys, *COMMANDS[command], *data_args(files))
    # if the data is ever refused, the refusal must be escaped too
    assert code in (0, 2), err
    assert raw_unsafe(out) == [] and raw_unsafe(err) == []
    if code == 0 and command in ("places", "events"):
        assert "\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202eevil\\u2066x\\u2069\\x00\\r" in out
    if code == 0 and command == "places":
        assert "Ստեփանակերտ / Xankəndi 🚚" in out
    # the same text goes to -o
    target = tmp_path / f"{command}.txt"
    code2, _, _ = run(capsys, *COMMANDS[command], "-o", str(target), *data_args(files))
    if code2 in (0, 2) and target.exists():
        assert raw_unsafe(target.read_text(encoding="utf-8")) == []
        assert target.read_text(encoding="utf-8") == out


@pytest.mark.parametrize("command", TEXT_COMMANDS)
def test_json_output_escapes_c1_and_bidi_losslessly(capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str) -> None:
    files = _hostile_fixture(tmp_path)
    code, out, err = run(capsys, *COMMANDS[command], "--json", *data_args(files))
    assert code in (0, 2), err
    assert raw_unsafe(out) == [] and raw_unsafe(err) == []
    doc = json.loads(out) if out else None
    if code == 0 and command == "places":
        assert doc is not None
        assert doc[0]["name"] == "Ստեփանակերտ / Xankəndi 🚚" + HOSTILE
        assert "Ստեփանակերտ / Xankəndi 🚚" in out  # not \u-escaped: only unsafe characters are


def test_every_text_output_goes_through_the_escaper(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    # whatever a command prints -- today's commands or tomorrow's -- is escaped in one place
    def noisy(args: Any) -> int:
        print("Şərq", HOSTILE, "Գորիս 👍")
        return 0

    monkeypatch.setitem(cli._COMMANDS, "places", noisy)
    code, out, _ = run(capsys, "places")
    assert code == 0 and raw_unsafe(out) == [] and out.startswith("Şərq ") and out.endswith("Գորիս 👍\n")
    assert unescape_terminal(out) == f"Şərq {HOSTILE} Գորիս 👍\n"
    code, out, _ = run(capsys, "places", "-o", str(tmp_path / "p.txt"))
    assert raw_unsafe((tmp_path / "p.txt").read_text(encoding="utf-8")) == []


def test_error_messages_are_escaped(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path], tmp_path: Path) -> None:
    code, _, err = run(capsys, "reach", "\x1b]0;x\x07", "west", "--on", "2021-03-11", *data_args(fixture_files))
    assert code == 2 and raw_unsafe(err) == [] and "Unknown place" in err
    with pytest.raises(SystemExit):
        main(["places", "\x1b[2J\u202e"])  # argparse: unrecognized arguments
    err = capsys.readouterr().err
    assert raw_unsafe(err) == [] and "\\x1b[2J\\u202e" in err
    code, _, err = run(capsys, "status", "--on", "2021-01-01", "--events", str(tmp_path / "\x1b[31mred.csv"))
    assert code == 2 and raw_unsafe(err) == [] and "\\x1b[31mred.csv" in err
    code, _, err = run(capsys, "places", "-o", str(tmp_path / "no" / "\u202eevil"))
    assert code == 2 and raw_unsafe(err) == [] and "\\u202eevil" in err


def test_escaper_examples() -> None:
    assert escape_terminal("Khankendi / Stepanakert / Xankəndi / Ստեփանակերտ 👨‍👩‍👧 🏳️‍🌈") == \
        "Khankendi / Stepanakert / Xankəndi / Ստեփանակերտ 👨‍👩‍👧 🏳️‍🌈"
    assert escape_terminal("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert escape_terminal("\u202e\u2066\u2069\u200f\u061c\x85\x9b\x7f") == "\\u202e\\u2066\\u2069\\u200f\\u061c\\x85\\x9b\\x7f"
    assert escape_terminal("tab\there\r\n", newlines=False) == "tab\\there\\r\\n"
    assert escape_terminal("C:\\Users\\x") == "C:\\Users\\\\x"  # doubled only before an escape letter
    assert escape_terminal("\ud800") == "\\ud800"  # a lone surrogate cannot be printed at all
    assert escape_json('"\u202e"') == '"\\u202e"'


_UNSAFE_ALPHABET = st.sampled_from(
    [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0), 0x61C, 0x200E, 0x200F, 0x2028, 0x2029,
                      *range(0x202A, 0x202F), *range(0x2066, 0x2070), 0xFFF9, 0xFFFA, 0xFFFB, 0xD800, 0xDFFF)]
    + ["\\", "x", "u", "t", "r", "n", "1", "b", "f", "\\x1b", "\\u202e"])
HOSTILE_TEXT = st.lists(st.one_of(_UNSAFE_ALPHABET, st.text(max_size=3)), max_size=30).map("".join)


@settings(max_examples=100, deadline=None)
@given(HOSTILE_TEXT, st.booleans())
def test_escaper_is_safe_and_reversible(text: str, newlines: bool) -> None:
    shown = escape_terminal(text, newlines=newlines)
    assert raw_unsafe(shown, newlines=newlines) == []
    assert unescape_terminal(shown) == text
    # text without unsafe characters or escape-like backslashes is untouched
    if not raw_unsafe(text, newlines=newlines) and "\\" not in text:
        assert shown == text


@settings(max_examples=100, deadline=None)
@given(st.recursive(st.none() | st.booleans() | HOSTILE_TEXT,
                    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(HOSTILE_TEXT, kids, max_size=4), max_leaves=12))
def test_json_escaping_is_lossless(obj: Any) -> None:
    text = escape_json(json.dumps(obj, ensure_ascii=False, indent=2))
    assert raw_unsafe(text) == []
    assert json.loads(text) == obj


# --------------------------------------------------------------------------------------------
# 3. CSV: lossless by default, --excel-safe on request
# --------------------------------------------------------------------------------------------

RISKY = {"claimant": "@SUM(1+1)", "quote": "=HYPERLINK(\"https://evil.example\",\"click\")", "note": "+cmd|' /C calc'!A0",
         "direction": "", "allowed": ""}


def _risky_fixture(tmp_path: Path) -> dict[str, Path]:
    from conftest import EVENTS, write_fixture
    events = [list(r) for r in EVENTS]
    events[0][9], events[0][11], events[0][12] = RISKY["claimant"], RISKY["quote"], RISKY["note"]
    events[1][12] = "-2+3"
    events[2][12] = "\tTab"
    return write_fixture(tmp_path, events)


@pytest.mark.parametrize("how", [["-o", "OUT.csv"], ["-o", "out.CSV"], ["--csv", "-o", "out.txt"], ["--csv"]])
def test_events_csv_round_trip(capsys: pytest.CaptureFixture[str], tmp_path: Path, how: list[str]) -> None:
    (tmp_path / "data").mkdir()
    files = _risky_fixture(tmp_path / "data")
    argv = [a if a not in ("OUT.csv", "out.CSV", "out.txt") else str(tmp_path / a) for a in how]
    code, out, err = run(capsys, "events", *argv, *data_args(files))
    assert code == 0, err
    text = (tmp_path / how[-1]).read_text(encoding="utf-8") if "-o" in how else out
    assert text.splitlines()[0] == ",".join(EVENT_COLUMNS)  # the documented events.csv format
    written = tmp_path / "written.csv"
    written.write_text(text, encoding="utf-8")
    back = kr.read_events(written)
    assert [e.to_row() for e in back] == [e.to_row() for e in kr.read_events(files["events"])]
    assert back[0].quote == RISKY["quote"] and back[0].claimant == RISKY["claimant"]


def test_events_csv_excel_safe(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    files = _risky_fixture(tmp_path)
    out = tmp_path / "view.csv"
    code, stdout, err = run(capsys, "events", "--excel-safe", "-o", str(out), *data_args(files))
    assert code == 0 and "wrote" in stdout, err
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0]["claimant"] == "'" + RISKY["claimant"] and rows[0]["quote"] == "'" + RISKY["quote"]
    assert rows[0]["note"] == "'" + RISKY["note"] and rows[1]["note"] == "'-2+3" and rows[2]["note"] == "'\tTab"
    assert rows[0]["start"] == "2020-01-01"  # harmless cells unchanged
    assert all(not v.startswith(EXCEL_RISKY_STARTS) for r in rows for v in r.values())
    code, stdout, _ = run(capsys, "events", "--csv", "--excel-safe", *data_args(files))
    assert code == 0 and stdout == out.read_text(encoding="utf-8")


def test_events_format_flags(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path], tmp_path: Path) -> None:
    code, _, err = run(capsys, "events", "--excel-safe", *data_args(fixture_files))
    assert code == 2 and "--excel-safe applies to CSV output" in err
    code, _, err = run(capsys, "events", "--excel-safe", "-o", str(tmp_path / "e.txt"), *data_args(fixture_files))
    assert code == 2 and not (tmp_path / "e.txt").exists()
    with pytest.raises(SystemExit) as info:
        main(["events", "--csv", "--json"])
    assert info.value.code == 2
    capsys.readouterr()
    # --json wins over a .csv suffix: the flag is explicit
    code, _, _ = run(capsys, "events", "--json", "-o", str(tmp_path / "e.csv"), *data_args(fixture_files))
    assert code == 0 and json.loads((tmp_path / "e.csv").read_text(encoding="utf-8"))[0]["id"] == "E1"
    # the text table is still the default elsewhere
    code, _, _ = run(capsys, "events", "-o", str(tmp_path / "e.txt"), *data_args(fixture_files))
    assert (tmp_path / "e.txt").read_text(encoding="utf-8").startswith("E1 ")


def test_write_sources_excel_safe(tmp_path: Path) -> None:
    src = [kr.Source("S1", title="=1+1", publisher="@me", published="2021", url="https://x.org", seed="")]
    kr.write_sources(src, tmp_path / "plain.csv")
    assert kr.read_sources(tmp_path / "plain.csv")["S1"] == src[0]
    kr.write_sources(src, tmp_path / "safe.csv", excel_safe=True)
    row = next(csv.DictReader(io.StringIO((tmp_path / "safe.csv").read_text(encoding="utf-8"))))
    assert row["title"] == "'=1+1" and row["publisher"] == "'@me" and row["url"] == "https://x.org"


CELL = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20) | st.sampled_from(
    ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "\uff1d1", "'=1", "a,b\"c\nd", "\r", "\r\n", " ", ""])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(quote=CELL, note=CELL, claimant=st.sampled_from(["@SUM(1+1)", "=cmd", "-X", "+X", "\uff20X", "X", "ICRC"]))
def test_generated_cells_round_trip(tmp_path: Path, fixture_files: dict[str, Path], quote: str, note: str, claimant: str) -> None:
    base, other = kr.read_events(fixture_files["events"])[:2]
    # claimants are validated (one script per word...): generated free text goes in quote and note
    row = {**base.to_row(), "quote": quote, "note": note, "claimant": claimant}
    ev = dataclasses.replace(base, quote=quote, note=note, claimant=claimant, raw=row)
    out = tmp_path / "gen.csv"
    kr.write_events([ev, other], out)
    back = kr.read_events(out)
    assert [e.to_row() for e in back] == [row, other.to_row()] and back[0] == ev
    kr.write_events([ev, other], out, excel_safe=True)
    cells = [v for r in csv.reader(io.StringIO(out.read_bytes().decode("utf-8"), newline="")) for v in r]
    assert not any(v.startswith(EXCEL_RISKY_STARTS) for v in cells)
    for value in (quote, note):
        assert value in cells or "'" + value in cells


# --------------------------------------------------------------------------------------------
# 4. every library error is exit 2 with its message; only a bug is exit 1
# --------------------------------------------------------------------------------------------


def _error_instances() -> list[BaseException]:
    made: list[BaseException] = []
    for name in _errors.__all__:
        cls = getattr(_errors, name)
        if not (isinstance(cls, type) and issubclass(cls, Exception)) or issubclass(cls, Warning):
            continue
        if cls is _errors.DataError:
            made.append(cls([_errors.Problem("f.csv", "row 2", "start", "x", "a date")]))
        elif cls is _errors.PlaceNotFoundError:
            made.append(cls("Nowhere", ["Goris"]))
        else:
            made.append(cls("bad input, described"))
    return made


@pytest.mark.parametrize("exc", _error_instances(), ids=lambda e: type(e).__name__)
def test_every_library_error_is_exit_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                       exc: BaseException) -> None:
    def boom(args: Any) -> int:
        raise exc

    monkeypatch.setitem(cli._COMMANDS, "places", boom)
    code, out, err = run(capsys, "places")
    assert code == 2 and out == "" and err.startswith("karabakh-routes: error: ")
    assert str(exc).splitlines()[0] in err and "Traceback" not in err


def test_every_error_class_is_mapped() -> None:
    classes = {type(e) for e in _error_instances()}
    assert len(classes) == 6 and classes <= set(cli._USER_ERRORS)


def test_read_error_is_exit_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                              fixture_files: dict[str, Path]) -> None:
    real = Path.read_bytes

    def denied(self: Path) -> bytes:
        if self.name == "events.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    code, _, err = run(capsys, "status", "--on", "2021-03-11", *data_args(fixture_files))
    assert code == 2 and "events.csv" in err and "Permission denied" in err and "Traceback" not in err


def test_a_bug_is_exit_1(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def bug(args: Any) -> int:
        raise ZeroDivisionError("oops \x1b[2J")

    monkeypatch.setitem(cli._COMMANDS, "places", bug)
    monkeypatch.delenv("KARABAKH_ROUTES_DEBUG", raising=False)
    code, _, err = run(capsys, "places")
    assert code == 1 and "unexpected error: ZeroDivisionError" in err and raw_unsafe(err) == []


def test_cli_help_documents_the_rules(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["events", "--help"])
    out = capsys.readouterr().out
    assert "--excel-safe" in out and "--csv" in out and "input files" in out


def test_outputs_are_only_replaced_by_the_shared_writer() -> None:
    # one writer decides between atomic replace and write-through: no other module renames files
    for path in (ROOT / "karabakh_routes").rglob("*.py"):
        if path.name != "_io.py":
            assert "os.replace(" not in path.read_text(encoding="utf-8"), path
