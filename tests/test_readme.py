"""The README's two set-up commands, run as a new user would: in a fresh copy and a fresh venv."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from _readme_runs import RUNS, TIMEOUT, clean_env, setup_commands

ROOT = Path(__file__).resolve().parents[1]
slow = pytest.mark.slow  # the set-up commands build fresh venvs; the "Your own data" commands run in the quick loop


def run(cmd: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", cmd], cwd=cwd, env=clean_env(**env), capture_output=True, text=True,
                          timeout=TIMEOUT)


def test_setup_block() -> None:
    """The README opens with exactly two set-up commands: a map, then the tests."""
    first, second = setup_commands()
    assert "karabakh-routes map" in first and "-o map.html" in first
    assert "pytest" in second


# The two set-up commands were started in the background when the suite was collected
# (see tests/_readme_runs.py); these tests wait for them and check what they did.

@slow
def test_first_command_renders_the_map() -> None:
    if os.environ.get("KR_NESTED_README_RUN"):
        pytest.skip("inside the README test command's own run")
    res = RUNS.result("first")
    assert res.returncode == 0, res.stderr[-3000:]
    html = (res.cwd / "map.html").read_text(encoding="utf-8")
    assert "Roads into Nagorno-Karabakh on 2023-07-20" in html
    # the installed copy (not the checkout) was used: the venv has the bundled data inside the package
    res2 = run(". .venv/bin/activate && cd / && karabakh-routes places --json && karabakh-routes validate", res.cwd)
    assert res2.returncode == 0 and "khankendi_stepanakert" in res2.stdout
    assert "All files valid." in res2.stdout  # the bundled articles (quote checks) ship in the package too


@slow
def test_second_command_installs_and_runs_tests() -> None:
    if os.environ.get("KR_NESTED_README_RUN"):
        pytest.skip("inside the README test command's own run")
    res = RUNS.result("second")
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
