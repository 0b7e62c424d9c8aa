"""The committed API reference matches the code."""

from __future__ import annotations

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_api_doc_is_up_to_date() -> None:
    render = runpy.run_path(str(ROOT / "scripts" / "make_api_doc.py"))["render"]
    assert (ROOT / "docs" / "api.md").read_text(encoding="utf-8") == render(), "run python scripts/make_api_doc.py"


def test_every_public_name_has_a_docstring() -> None:
    import inspect

    import karabakh_routes as kr
    for name in kr.__all__:
        obj = getattr(kr, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), name
