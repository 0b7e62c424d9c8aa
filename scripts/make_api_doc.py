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
              "- `karabakh_routes.maps`: `date_map`, `timeline_map`, `static_map`, `save_static_map`, `STATUS_STYLES`",
              "- `karabakh_routes.chart`: `timeline_chart`, `save_chart`",
              "- `karabakh_routes.datasets`: `bundled_path`", ""]
    lines += JSON_CONTRACT.splitlines() + [""]
    return "\n".join(lines)


#: The JSON every answer carries (``--json`` and ``to_dict()``); see docs/semantics.md.
JSON_CONTRACT = """## JSON contract: the basis of every answer

`status --json` (one object per segment), `reach --json` (`Reach.to_dict()`) and `periods --json`
(`Period.to_dict()`, one object per period) carry what decided them:

* `basis` (status, reach, periods): every claim, passage and dataset baseline that decided the
  answer, one object per event: `event`, `kind` (`claim`, `passage`, `baseline`), `claimant`,
  `source`, `status`, `type`, `start`, `end`, `direction`, `quote`, `note`, `url`, `uncertain`,
  `as_of` (the last day its source could know about), `carried`, `forecast`, `age_days`, and
  `traffic` (status) or `segments` (reach, periods).
* `carried` (status, reach, periods): whether any of the basis was carried past its as-of date,
  or is a forecast beyond it.
* `evidence_age_days` (status, reach, periods): for a segment, the age in days of the newest
  evidence behind its status; for a trip, the largest of these along the segments that decided
  it; for a period, the largest over the period (on its last day); `null` when only a baseline or
  nothing decided it.
* `assumptions` (status, reach, periods): plain-language lines for every dataset baseline used
  and every claim carried.
* `set_aside` (status): claims past their as-of date that gave way to a newer contrary report.
* `horizon` (reach): the carrying horizon of the answer (`"30 days"`, or `"none"`).
* `outside_data` (reach, periods): empty, or a sentence saying that the date (for a period, its
  days) lies outside the data's range; a period never straddles the data's first or last day
  (docs/semantics.md, section 9).

`status` rows also keep `claims` (the claims in force) and `passages` (that day's passages).
Statuses of a segment overall: `open`, `partly_open`, `restricted`, `partly_closed`, `closed`,
`disputed`, `unknown` (`kr.overall_status`)."""


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
