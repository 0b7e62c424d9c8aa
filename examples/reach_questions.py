"""Answer the reachability questions analysts ask most, with the claims behind each answer.

Run:  python examples/reach_questions.py
"""

from __future__ import annotations

import karabakh_routes as kr

m = kr.load()

questions = [
    ("Goris", "Khankendi", "2023-07-20", "humanitarian"),
    ("Goris", "Stepanakert", "2023-01-10", "civilian"),
    ("Goris", "Stepanakert", "2022-10-01", "civilian"),
]
for origin, dest, on, traffic in questions:
    r = m.reach(origin, dest, on=on, traffic=traffic)
    print(f"Could {traffic} traffic get from {origin} to {dest} on {on}? {r.answer}")
    if r.path:
        print(f"  path: {' -> '.join(r.path)} ({r.length_km:.0f} km)")
    if r.blocked_by:
        print(f"  blocked by: {', '.join(r.blocked_by)}")
    for claim in r.claims:
        print(f"  - {claim['claimant']} ({claim['source']}): {claim['status']} on {len(claim['segments'])} segment(s)")

print("\nAghdam -> Khankendi for humanitarian traffic, June-September 2023:")
for p in m.periods("Aghdam", "Khankendi", start="2023-06-01", end="2023-09-30", traffic="humanitarian"):
    print(f"  {p.start} .. {p.end}: {p.answer}{' (uncertain)' if p.uncertain else ''}")

# The same question under different views of who to believe:
for view in ["consensus", "strict", "lenient", "claimant:Azerbaijani government", "claimant:Karabakh Armenian authorities"]:
    print(f"2023-01-10, civilians, view {view}: {m.reach('Goris', 'Stepanakert', on='2023-01-10', view=view).answer}")
