"""Measure how often each claimant speaks again about the same road (the basis of the default horizon).

Prints, for every (claimant, target) with more than one claim in the bundled ledger, the gaps in
days between the as-of dates of its consecutive claims, then the median, 75th percentile and
maximum over all gaps. Run: python scripts/claim_gaps.py
"""

from __future__ import annotations

import statistics
from collections import defaultdict

import karabakh_routes as kr


def main() -> None:
    """Print the gaps."""
    m = kr.load()
    by: dict[tuple[str, str], set] = defaultdict(set)
    for e in m.ledger.events:
        if e.type == "baseline":
            continue
        for t in e.targets:
            by[(e.claimant, t)].add(m.timeline.as_of(e.id))
    gaps: list[int] = []
    for (claimant, target), days in sorted(by.items()):
        ordered = sorted(days)
        if len(ordered) > 1:
            g = [(b - a).days for a, b in zip(ordered, ordered[1:])]
            gaps += g
            print(f"{claimant} / {target}: {g}")
    gaps.sort()
    print(f"{len(gaps)} gaps: median {statistics.median(gaps)} days, 75th percentile {gaps[int(len(gaps) * 0.75)]}, "
          f"max {max(gaps)}")


if __name__ == "__main__":
    main()
