"""Start fast: the command line loads heavy libraries only in the commands that need them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import karabakh_routes as kr

HEAVY = ("pandas", "geopandas", "networkx", "folium", "matplotlib", "shapely", "pyproj", "scipy", "edtf")
PROBE = """
import io, contextlib, json, sys
from karabakh_routes.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    try:
        code = main(ARGS)
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "loaded": sorted(m for m in HEAVY if m in sys.modules)}))
"""


def loaded_by(args: list[str]) -> tuple[int, list[str]]:
    code = PROBE.replace("ARGS", repr(args)).replace("HEAVY", repr(HEAVY))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    doc = json.loads(res.stdout.strip().splitlines()[-1])
    return doc["code"], doc["loaded"]


@pytest.mark.parametrize("args", [["--help"], ["reach", "--help"], ["map", "--help"], ["reach", "Goris"],
                                  ["status", "--on", "2023-07-20", "--traffic", "cars"]])
def test_help_and_usage_errors_load_no_heavy_library(args: list[str]) -> None:
    code, loaded = loaded_by(args)
    assert code in (0, 2)
    assert loaded == [], f"{args} loaded {loaded}"


@pytest.mark.parametrize("args", [["reach", "Goris", "Stepanakert", "--on", "2023-07-20", "--json"],
                                  ["status", "--on", "2023-07-20", "--json"]])
def test_answers_load_no_map_or_chart_library(args: list[str]) -> None:
    code, loaded = loaded_by(args)
    assert code == 0
    assert "folium" not in loaded and "matplotlib" not in loaded


def test_reach_loads_no_table_library() -> None:
    # an answer needs the graph and arrays, not pandas or geopandas (they load for tables);
    # on a region this small the routes are searched without scipy, and the bundled dates
    # are all of the forms read without the EDTF grammar (each takes a quarter of a second);
    # names are matched fuzzily only to suggest one when a name is not found
    code, loaded = loaded_by(["reach", "Goris", "Stepanakert", "--on", "2023-07-20", "--json"])
    assert code == 0
    assert not {"pandas", "geopandas", "scipy", "edtf", "rapidfuzz"} & set(loaded), loaded


def test_the_package_loads_names_on_first_use() -> None:
    code = f"import sys, karabakh_routes as kr; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert res.stdout.splitlines()[0] == "[]"
    assert set(kr.__all__) <= set(dir(kr))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        kr.nope  # noqa: B018


def test_reach_stays_the_function_when_its_module_loads() -> None:
    code = ("import karabakh_routes as kr, karabakh_routes.reach, karabakh_routes.model; "
            "print(callable(kr.reach) and kr.reach.__name__ == 'reach' and not hasattr(kr.reach, '__path__'))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert res.stdout.strip() == "True"


def test_the_version_is_the_distributions_and_help_reads_no_metadata() -> None:
    # one place for the version (karabakh_routes/_version.py, which pyproject.toml reads):
    # importlib.metadata (the email parser and friends) took a third of `--help`'s start
    from importlib.metadata import version

    assert kr.__version__ == version("karabakh_routes")
    code = ("import sys, io, contextlib\nfrom karabakh_routes.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        main(['--version'])\n    except SystemExit:\n        pass\n"
            "print('importlib.metadata' in sys.modules)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert res.stdout.strip().splitlines()[-1] == "False"
