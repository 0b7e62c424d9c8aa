"""The README's two set-up commands, run as a new user would: in a fresh copy and a fresh venv."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
slow = pytest.mark.slow  # the set-up commands build fresh venvs; the "Your own data" commands run in the quick loop


def setup_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block, "README must open with a bash block of set-up commands"
    lines = [ln for ln in block.group(1).splitlines() if ln.strip()]
    assert len(lines) == 2, "README must open with exactly two set-up commands"
    assert text.index("```bash") < text.index("\n## "), "the set-up block must come first"
    return lines


def fresh_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "checkout"
    shutil.copytree(ROOT, dest, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "__pycache__", "*.egg-info", "build", "dist", ".pytest_cache", ".hypothesis", "map.html"))
    return dest


def run(cmd: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    full_env.update(env)
    return subprocess.run(["bash", "-c", cmd], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=1500)


@slow
def test_first_command_renders_the_map(tmp_path: Path) -> None:
    if os.environ.get("KR_NESTED_README_RUN"):
        pytest.skip("inside the README test command's own run")
    cwd = fresh_copy(tmp_path)
    res = run(setup_commands()[0].split("  #")[0], cwd)
    assert res.returncode == 0, res.stderr[-3000:]
    html = (cwd / "map.html").read_text(encoding="utf-8")
    assert "Roads into Nagorno-Karabakh on 2023-07-20" in html
    # the installed copy (not the checkout) was used: the venv has the bundled data inside the package
    res2 = run(". .venv/bin/activate && cd / && karabakh-routes places --json && karabakh-routes validate", cwd)
    assert res2.returncode == 0 and "khankendi_stepanakert" in res2.stdout
    assert "All files valid." in res2.stdout  # the bundled articles (quote checks) ship in the package too


@slow
def test_second_command_installs_and_runs_tests(tmp_path: Path) -> None:
    if os.environ.get("KR_NESTED_README_RUN"):
        pytest.skip("inside the README test command's own run")
    cwd = fresh_copy(tmp_path)
    cmd = setup_commands()[1].split("  #")[0]
    # The outer run already runs every test (browser ones and the full hypothesis profile under
    # CI=true); this one proves that the README's command installs the package and the test
    # extras in a fresh venv and that pytest runs from it, so it runs two files of the suite
    # (the command line and the start-up imports of the installed package), not the whole of
    # it again (that doubled the CI run, to 10 minutes).
    res = run(cmd + " tests/test_startup.py tests/test_cli.py -q -x -p no:cacheprovider", cwd,
              KR_NESTED_README_RUN="1", CI="")
    assert res.returncode == 0, (res.stdout[-3000:], res.stderr[-2000:])
    assert re.search(r"\d+ passed", res.stdout)


def own_data_commands() -> str:
    """The bash block of the README's "Your own data" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("\n## Your own data"):]
    section = section[:section.index("\n## ", 5)]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the 'Your own data' section must hold a bash block of commands"
    return block.group(1)


def test_own_data_commands_run(tmp_path: Path) -> None:
    """The worked example (add a claim, add a road) runs as written, in an empty folder."""
    import sys

    env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    res = run("set -euo pipefail\n" + own_data_commands(), tmp_path, **env)
    assert res.returncode == 0, (res.stdout[-3000:], res.stderr[-3000:])
    assert res.stdout.count("All files valid.") == 2
    assert "(view claimant:My organisation): NO" in res.stdout and "M001" in res.stdout
    assert "goris -> kornidzor on 2023-07-25 for civilian traffic (view consensus): YES" in res.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.csv", "segments.geojson", "sources.csv"]
