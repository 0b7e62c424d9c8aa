"""Write docs/api.md: every public name of karabakh_routes with its one-line summary.

Run:  python scripts/make_api_doc.py   (tests/test_docs.py checks the file is up to date)
"""

from __future__ import annotations

import inspect
from pathlib import Path

import karabakh_routes as kr

OUT = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def render() -> str:
    """Return the markdown text of the API reference."""
    lines = ["# API reference", "", "Every public name of `karabakh_routes` (`import karabakh_routes as kr`), with its",
             "one-line summary. Full documentation is in each docstring (`help(kr.load)`).", ""]
    groups: dict[str, list[str]] = {"Functions": [], "Classes": [], "Constants": []}
    for name in sorted((n for n in kr.__all__ if not n.startswith("__")), key=str.lower):
        obj = getattr(kr, name)
        if inspect.isclass(obj):
            doc = (inspect.getdoc(obj) or "").splitlines()
            groups["Classes"].append(f"- `kr.{name}`: {doc[0] if doc else ''}")
        elif callable(obj):
            doc = (inspect.getdoc(obj) or "").splitlines()
            sig = str(inspect.signature(obj))
            groups["Functions"].append(f"- `kr.{name}{sig}`: {doc[0] if doc else ''}")
        else:
            groups["Constants"].append(f"- `kr.{name}` = `{obj!r}`")
    for title, items in groups.items():
        lines += [f"## {title}", "", *items, ""]
    lines += ["## Modules", "",
              "- `karabakh_routes.maps`: `date_map`, `timeline_map`, `STATUS_STYLES`",
              "- `karabakh_routes.chart`: `timeline_chart`, `save_chart`",
              "- `karabakh_routes.datasets`: `bundled_path`", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
