"""Add your own claim to the bundled ledger and see how the answer changes.

Run:  python examples/custom_event.py  (writes my_events.csv beside the bundled sources)
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

import karabakh_routes as kr
from karabakh_routes.datasets import bundled_path

work = Path(tempfile.mkdtemp())
# Keep the bundled sources (and their seed articles) next to the new ledger.
shutil.copy(bundled_path("sources"), work / "sources.csv")
shutil.copytree(bundled_path("sources").parent / "seeds", work / "seeds")

base = kr.load()
mine = kr.Event(
    id="MY001", start=kr.parse_edtf("2023-07-19"), end=kr.parse_edtf("2023-07-21"), targets=("lachin_corridor",),
    type="passage", status="", traffic=(), allowed=("humanitarian",), direction="", claimant="My organisation",
    source="S32", quote="", note="Example only: a hypothetical convoy report added by a user.",
)
kr.write_events([*base.ledger.events, mine], work / "events.csv")
try:
    kr.load(events=work / "events.csv", sources=work / "sources.csv")
except kr.DataError as exc:  # the passage above is invalid on purpose: passages have no end date
    print("validation caught it:\n", exc)

fixed = dataclasses.replace(mine, end=None)  # events are frozen: a corrected copy
kr.write_events([*base.ledger.events, fixed], work / "events.csv")
m = kr.load(events=work / "events.csv", sources=work / "sources.csv")
before = base.reach("Goris", "Khankendi", on="2023-07-19", traffic="humanitarian").answer
after = m.reach("Goris", "Khankendi", on="2023-07-19", traffic="humanitarian").answer
print(f"humanitarian Goris -> Khankendi on 2023-07-19: bundled data says {before!r}; with my claim {after!r}")
# A passage joins the other claims of its day: against the standing closures it makes the day
# 'disputed' (both sides listed), never 'yes' in silence. One claimant's view shows it alone:
mine_only = m.reach("Goris", "Khankendi", on="2023-07-19", traffic="humanitarian", view="claimant:My organisation")
print(f"in my organisation's view alone: {mine_only.answer!r}, basis: {[b['event'] for b in mine_only.basis]}")
