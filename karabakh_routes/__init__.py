"""karabakh_routes: which roads into Nagorno-Karabakh were open, to whom, on a date, and who says so.

Quick start
-----------
>>> import karabakh_routes as kr
>>> m = kr.load()                                   # bundled, sourced data
>>> r = m.reach("Goris", "Stepanakert", on="2023-07-20", traffic="humanitarian")
>>> r.answer
'no'
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:  # the names, for type checkers and readers; at run time they load on first use
    from ._errors import (
        AreaError,
        DataError,
        DateError,
        KarabakhRoutesWarning,
        PlaceNotFoundError,
        Problem,
        TrafficError,
        ViewError,
    )
    from .area import bbox_around
    from .dates import DateSpan, parse_edtf, to_date
    from .events import (
        EVENT_TYPES,
        STATUSES,
        TRAFFIC_CLASSES,
        Event,
        Ledger,
        Source,
        read_events,
        read_ledger,
        read_sources,
        write_events,
        write_sources,
    )
    from .explore import explore
    from .export import export, status_intervals
    from .model import RoadModel, load
    from .network import (
        Route,
        graph_from_gdfs,
        graph_from_geodata,
        graph_to_gdfs,
        load_graphml,
        read_places,
        read_routes,
        routes_of,
        save_graphml,
        to_directed,
    )
    from .osm import OsmImport, import_osm, snap_segments
    from .places import Place, normalize_name
    from .query import Query
    from .reach import Period, Reach, periods, periods_from, reach, reach_from
    from .region import Region, read_region
    from .timeline import DEFAULT_HORIZON, Claim, ClassStatus, Timeline, View, overall_status, parse_horizon, parse_view

#: Where each public name lives. A name is imported from its module when first used, so that
#: ``import karabakh_routes`` (and the command line's ``--help``) does not load geopandas,
#: networkx, pandas, folium or matplotlib until they are needed.
_LAZY: dict[str, str] = {
    "AreaError": "._errors",
    "bbox_around": ".area",
    "Claim": ".timeline",
    "ClassStatus": ".timeline",
    "DataError": "._errors",
    "DateError": "._errors",
    "DateSpan": ".dates",
    "DEFAULT_HORIZON": ".timeline",
    "Event": ".events",
    "EVENT_TYPES": ".events",
    "explore": ".explore",
    "export": ".export",
    "graph_from_gdfs": ".network",
    "graph_from_geodata": ".network",
    "graph_to_gdfs": ".network",
    "KarabakhRoutesWarning": "._errors",
    "Ledger": ".events",
    "load": ".model",
    "load_graphml": ".network",
    "normalize_name": ".places",
    "overall_status": ".timeline",
    "parse_edtf": ".dates",
    "parse_horizon": ".timeline",
    "parse_view": ".timeline",
    "Period": ".reach",
    "periods": ".reach",
    "periods_from": ".reach",
    "reach_from": ".reach",
    "Place": ".places",
    "PlaceNotFoundError": "._errors",
    "Problem": "._errors",
    "Query": ".query",
    "Reach": ".reach",
    "reach": ".reach",
    "read_events": ".events",
    "read_ledger": ".events",
    "import_osm": ".osm",
    "OsmImport": ".osm",
    "read_places": ".network",
    "read_region": ".region",
    "Region": ".region",
    "snap_segments": ".osm",
    "read_routes": ".network",
    "read_sources": ".events",
    "RoadModel": ".model",
    "Route": ".network",
    "routes_of": ".network",
    "save_graphml": ".network",
    "Source": ".events",
    "STATUSES": ".events",
    "status_intervals": ".export",
    "Timeline": ".timeline",
    "to_date": ".dates",
    "to_directed": ".network",
    "TRAFFIC_CLASSES": ".events",
    "TrafficError": "._errors",
    "View": ".timeline",
    "ViewError": "._errors",
    "write_events": ".events",
    "write_sources": ".events",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    from importlib import import_module

    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


class _Package(types.ModuleType):
    """Keep ``kr.reach`` the function when the ``reach`` module loads (the package's module type).

    Importing a submodule sets an attribute of its name on the package. The eager imports this
    package used to make rebound ``reach`` to the function afterwards; with names loaded on first
    use, the package keeps the function instead of letting the submodule replace it.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LAZY and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = [
    "AreaError",
    "bbox_around",
    "Claim",
    "ClassStatus",
    "DataError",
    "DateError",
    "DEFAULT_HORIZON",
    "DateSpan",
    "EVENT_TYPES",
    "Event",
    "KarabakhRoutesWarning",
    "Ledger",
    "Period",
    "Place",
    "PlaceNotFoundError",
    "Problem",
    "Query",
    "Reach",
    "Region",
    "OsmImport",
    "RoadModel",
    "Route",
    "STATUSES",
    "Source",
    "TRAFFIC_CLASSES",
    "Timeline",
    "TrafficError",
    "View",
    "ViewError",
    "__version__",
    "explore",
    "export",
    "graph_from_gdfs",
    "graph_from_geodata",
    "graph_to_gdfs",
    "load",
    "load_graphml",
    "normalize_name",
    "overall_status",
    "parse_edtf",
    "parse_horizon",
    "parse_view",
    "periods",
    "periods_from",
    "reach_from",
    "reach",
    "read_events",
    "read_ledger",
    "import_osm",
    "read_places",
    "read_region",
    "snap_segments",
    "read_routes",
    "read_sources",
    "routes_of",
    "save_graphml",
    "status_intervals",
    "to_date",
    "to_directed",
    "write_events",
    "write_sources",
]
