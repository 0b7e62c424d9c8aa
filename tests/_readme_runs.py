"""The README's two set-up commands, each in a fresh copy of the checkout, run in the background.

Each builds a fresh venv and installs the package (some 40 s each on the CI machine). They do
not depend on the rest of the suite, so ``conftest.py`` starts them as soon as the suite is
collected, when a test that needs them was selected, and ``tests/test_readme.py`` waits for
their results: they run on the machine's second core while the other tests run on the first,
instead of one after the other with them. Their output goes to files (a pipe that nobody reads
while pip writes would stall them).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The tests that need a command's result, by the command's name.
NEEDED_BY = {"first": "test_first_command_renders_the_map", "second": "test_second_command_installs_and_runs_tests"}
#: The whole of one command may take this long (seconds) before it counts as failed.
TIMEOUT = 1500


def setup_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block, "README must open with a bash block of set-up commands"
    lines = [ln for ln in block.group(1).splitlines() if ln.strip()]
    assert len(lines) == 2, "README must open with exactly two set-up commands"
    assert text.index("```bash") < text.index("\n## "), "the set-up block must come first"
    return lines


def fresh_copy(parent: Path) -> Path:
    """A copy of the checkout in ``parent`` without its venvs, caches, builds and outputs."""
    dest = parent / "checkout"
    shutil.copytree(ROOT, dest, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "__pycache__", "*.egg-info", "build", "dist", ".pytest_cache", ".hypothesis", "map.html"))
    return dest


def clean_env(**env: str) -> dict[str, str]:
    """This process's environment without its venv, with ``env`` added."""
    out = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    out.update(env)
    return out


def commands() -> dict[str, tuple[str, dict[str, str]]]:
    """Each command as run: the README's line (its comment cut) and the extra environment."""
    first, second = (line.split("  #")[0] for line in setup_commands())
    # The outer run already runs every test (browser ones and the full hypothesis profile under
    # CI=true); the second command's run proves that the README's command installs the package
    # and the test extras in a fresh venv and that pytest runs from it, so it runs two files of
    # the suite (the command line and the start-up imports of the installed package), not the
    # whole of it again (that doubled the CI run, to 10 minutes).
    return {"first": (first, {}),
            "second": (second + " tests/test_startup.py tests/test_cli.py -q -x -p no:cacheprovider",
                       {"KR_NESTED_README_RUN": "1", "CI": ""})}


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str
    cwd: Path


class _Job:
    def __init__(self, folder: Path, cmd: str, env: dict[str, str]) -> None:
        self.cwd = fresh_copy(folder)
        self.out, self.err = folder / "stdout.txt", folder / "stderr.txt"
        with open(self.out, "w", encoding="utf-8") as out, open(self.err, "w", encoding="utf-8") as err:
            self.proc = subprocess.Popen(["bash", "-c", cmd], cwd=self.cwd, env=clean_env(**env), stdout=out,
                                         stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)

    def result(self) -> Result:
        try:
            code = self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.stop()
            code = -1
        return Result(code, self.out.read_text(encoding="utf-8", errors="replace"),
                      self.err.read_text(encoding="utf-8", errors="replace"), self.cwd)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            self.proc.wait()


class Runs:
    """The commands started (at most once each) and their results."""

    def __init__(self) -> None:
        self._folder: Path | None = None
        self._jobs: dict[str, _Job] = {}

    def start(self, names: list[str]) -> None:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="kr-readme-"))
        todo = commands()
        for name in names:
            if name not in self._jobs:
                (self._folder / name).mkdir()
                self._jobs[name] = _Job(self._folder / name, *todo[name])

    def result(self, name: str) -> Result:
        """The command's result, once it has finished (started now if it was not yet)."""
        self.start([name])
        return self._jobs[name].result()

    def close(self) -> None:
        """Stop what still runs and remove the copies."""
        for job in self._jobs.values():
            job.stop()
        self._jobs.clear()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


RUNS = Runs()
