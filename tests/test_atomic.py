"""Outputs are written to a temporary file and renamed into place; a failure leaves the old file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from karabakh_routes import _io
from karabakh_routes.cli import main


def data_args(files: dict[str, Path]) -> list[str]:
    return [a for k, v in files.items() for a in (f"--{k}", str(v))]


def test_atomic_write_failure_mid_write_leaves_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("OLD", encoding="utf-8")
    with pytest.raises(RuntimeError), _io.atomic_write(target) as fh:
        fh.write("partial")
        raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "OLD"
    assert os.listdir(tmp_path) == ["out.json"]


@pytest.mark.parametrize("command", [["map", "--on", "2021-03-11"], ["status", "--on", "2021-03-11", "--json"],
                                     ["reach", "west", "east", "--on", "2021-03-11", "--json"]])
def test_cli_output_failure_keeps_existing_file(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                fixture_files: dict[str, Path], tmp_path: Path, command: list[str]) -> None:
    target = tmp_path / "existing.out"
    target.write_text("OLD", encoding="utf-8")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device", dst)

    monkeypatch.setattr(_io.os, "replace", broken_replace)
    code = main([*command, "-o", str(target), *data_args(fixture_files)])
    err = capsys.readouterr().err
    assert code == 2 and "No space left on device" in err and "Traceback" not in err
    assert target.read_text(encoding="utf-8") == "OLD"
    assert sorted(os.listdir(tmp_path)) == sorted(["existing.out", *[p.name for p in fixture_files.values()], "seeds"])


def test_cli_writes_json_file(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "reach.json"
    assert main(["reach", "west", "east", "--on", "2021-02-01", "--json", "-o", str(target), *data_args(fixture_files)]) == 0
    assert json.loads(target.read_text(encoding="utf-8"))["answer"] == "yes"
    assert "wrote" in capsys.readouterr().out


def test_outputs_get_normal_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        new = tmp_path / "new.txt"
        _io.write_text_atomic(new, "x")
        assert new.stat().st_mode & 0o777 == 0o644
        existing = tmp_path / "existing.txt"
        existing.write_text("old", encoding="utf-8")
        existing.chmod(0o640)
        _io.write_text_atomic(existing, "new")
        assert existing.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)
