"""The fixed vocabulary of karabakh_routes, in one place, with no heavy imports.

Each closed set of words is a ``Literal`` type; the tuple of its values is derived from the
type with :func:`typing.get_args`, so the two cannot drift apart. The command line imports
this module (not the engine) to build its options, so ``karabakh-routes --help`` starts fast.

Examples
--------
>>> TRAFFIC_CLASSES
('civilian', 'humanitarian', 'medical', 'peacekeepers')
>>> "partly_open" in SEGMENT_STATUSES
True
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "TrafficClass", "TRAFFIC_CLASSES",
    "EventType", "EVENT_TYPES",
    "ClaimStatus", "STATUSES",
    "SegmentStatus", "SEGMENT_STATUSES",
    "Answer", "ANSWERS",
    "ViewKind", "VIEW_KINDS",
    "BASELINE_CLAIMANT", "EVENT_COLUMNS", "SOURCE_COLUMNS",
]

#: A traffic class: who or what travels.
TrafficClass = Literal["civilian", "humanitarian", "medical", "peacekeepers"]
#: The fixed vocabulary of traffic classes.
TRAFFIC_CLASSES: tuple[str, ...] = get_args(TrafficClass)

#: A row type of ``events.csv`` (see docs/encoding.md).
EventType = Literal["closure", "opening", "restriction", "passage", "report", "baseline"]
#: Event types.
EVENT_TYPES: tuple[str, ...] = get_args(EventType)

#: A status an event can claim.
ClaimStatus = Literal["open", "restricted", "closed"]
#: Statuses an event can claim.
STATUSES: tuple[str, ...] = get_args(ClaimStatus)

#: A segment's status on a date, over all classes (see :func:`karabakh_routes.overall_status`).
SegmentStatus = Literal["open", "partly_open", "restricted", "partly_closed", "closed", "disputed", "unknown"]
#: Statuses a segment can have on a date.
SEGMENT_STATUSES: tuple[str, ...] = get_args(SegmentStatus)

#: An answer to a reachability question.
Answer = Literal["yes", "no", "disputed", "unknown"]
#: Possible answers of :func:`karabakh_routes.reach`.
ANSWERS: tuple[str, ...] = get_args(Answer)

#: How claimants are combined (``claimant`` and ``source`` take a name: ``claimant:ICRC``).
ViewKind = Literal["consensus", "strict", "lenient", "claimant", "source"]
#: View kinds.
VIEW_KINDS: tuple[str, ...] = get_args(ViewKind)

#: The claimant of every ``baseline`` row (a status no source contests; see docs/semantics.md).
BASELINE_CLAIMANT = "dataset baseline"

#: The columns of ``events.csv`` (``as_of`` is the one optional column a file may lack).
EVENT_COLUMNS: tuple[str, ...] = ("id", "start", "end", "target", "type", "status", "traffic", "allowed",
                                  "direction", "claimant", "source", "quote", "note", "as_of")
#: The columns of ``sources.csv``.
SOURCE_COLUMNS: tuple[str, ...] = ("id", "title", "publisher", "published", "url", "seed")

#: The OSM ``highway`` values read as roads by ``import-osm`` (karabakh_routes.osm).
ROAD_HIGHWAYS = ("motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
                 "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential", "living_street",
                 "road")
#: The default largest distance (metres) between a place and the road node it is snapped to.
DEFAULT_MAX_SNAP_M = 2000.0
