"""Place names, aliases and forgiving lookup.

Every place carries all its names. Lookup ignores case, accents, punctuation and
spacing, accepts the id, the display name, or any alias, and suggests the closest
known names when nothing matches.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ._errors import PlaceNotFoundError

__all__ = ["Place", "PLACE_KINDS", "normalize_name", "name_keys", "mixed_script_words", "PlaceIndex"]

#: Allowed values of a place's ``kind``.
PLACE_KINDS = ("city", "town", "village", "checkpoint", "junction", "border_crossing")

# Letters that Unicode decomposition does not reduce to ASCII.
_FOLD = str.maketrans({"ə": "a", "Ə": "a", "ı": "i", "ł": "l", "ø": "o", "ß": "ss", "æ": "ae"})


_TRANSLIT = str.maketrans({"ş": "sh", "Ş": "sh", "ç": "ch", "Ç": "ch", "ğ": "gh", "Ğ": "gh", "x": "kh", "X": "kh",
                           "q": "g", "Q": "g"})


#: Every ASCII character that is not a letter or digit, mapped to None (deleted).
_ASCII_DROP = {i: None for i in range(128) if not chr(i).isalnum()}


def name_keys(name: str) -> tuple[str, ...]:
    """Return the lookup keys of a name: the normalized name and a transliterated variant.

    The variant spells Azerbaijani Latin letters the English way (``Şuşa`` -> ``shusha``,
    ``Xankəndi`` -> ``khankandi``).
    """
    plain = normalize_name(name)
    if name.isascii() and "x" not in name and "q" not in name and "X" not in name and "Q" not in name:
        return (plain,)  # nothing to transliterate
    alt = normalize_name(name.translate(_TRANSLIT))
    return (plain,) if alt == plain else (plain, alt)


def normalize_name(name: str) -> str:
    """Return the lookup key of a name: lower case, no accents, letters and digits only.

    Examples
    --------
    >>> normalize_name("Xankəndi")
    'xankandi'
    >>> normalize_name("  Shusha–Shushi ")
    'shushashushi'
    """
    if name.isascii():  # the same key, faster: ASCII has no accents and casefolds as it lowercases
        return name.lower().translate(_ASCII_DROP)
    folded = name.translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", folded)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in stripped.casefold() if ch.isalnum())


#: Scripts whose letters look like Latin ones: a word mixing Latin with one of them is suspect.
_LOOKALIKE_SCRIPTS = frozenset({"CYRILLIC", "GREEK"})


def _script(ch: str) -> str:
    """Return the script of a letter as the first word of its Unicode name (``LATIN``, ``CYRILLIC``, ...)."""
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else ""


def _words(text: str) -> list[str]:
    """Split text into words: runs of letters (with any combining marks on them)."""
    words: list[str] = []
    current: list[str] = []
    for ch in text:
        if ch.isalpha() or (current and unicodedata.category(ch).startswith("M")):
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def mixed_script_words(text: str) -> list[str]:
    """Return the words of ``text`` whose letters mix Latin with Cyrillic or Greek.

    Such a word looks like another (a Cyrillic ``а`` in ``Stepаnakert``) but matches
    nothing; names in different scripts side by side (``Khankendi / Ханкенди``) are fine.

    Examples
    --------
    >>> mixed_script_words("Step" + chr(0x430) + "nakert")
    ['Stepаnakert']
    >>> mixed_script_words("Khankendi / Ханкенди"), mixed_script_words("Xankəndi")
    ([], [])
    """
    out: list[str] = []
    if text.isascii():  # Latin letters only
        return out
    for word in _words(text):
        scripts = {_script(ch) for ch in word if ch.isalpha()}
        if "LATIN" in scripts and scripts & _LOOKALIKE_SCRIPTS:
            out.append(word)
    return out


def mixed_script_note(text: str) -> str:
    """Describe the mixed-script words of ``text`` for a warning (empty when there are none)."""
    words = mixed_script_words(text)
    if not words:
        return ""
    details = []
    for word in words:
        odd = sorted({f"{ch!r} ({unicodedata.name(ch, '?').title()})" for ch in word
                      if ch.isalpha() and _script(ch) in _LOOKALIKE_SCRIPTS})
        details.append(f"{word!r} mixes Latin letters with {', '.join(odd)}")
    return ("each word in one script: " + "; ".join(details)
            + " — it looks like a Latin name but matches nothing typed in Latin; retype it")


@dataclass(frozen=True)
class Place:
    """A named place: a graph node.

    Attributes
    ----------
    id
        Slug, unique.
    name
        Display label (both names where two are in current use).
    aliases
        Every other name.
    kind
        One of :data:`PLACE_KINDS`.
    lon, lat
        WGS84 coordinates.
    coord_source
        Where the coordinate comes from.
    coord_precision
        ``sourced`` or ``estimate``.
    note
        Free text.
    """

    id: str
    name: str
    aliases: tuple[str, ...]
    kind: str
    lon: float
    lat: float
    coord_source: str = ""
    coord_precision: str = "sourced"
    note: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """All names: display name, then aliases."""
        return (self.name, *self.aliases)

    def to_dict(self) -> dict[str, object]:
        """Return the JSON contract form ``{id, name, aliases, lat, lon, kind}``."""
        return {
            "id": self.id,
            "name": self.name,
            "aliases": list(self.aliases),
            "lat": self.lat,
            "lon": self.lon,
            "kind": self.kind,
            "coord_precision": self.coord_precision,
            "coord_source": self.coord_source,
        }


@dataclass
class PlaceIndex:
    """Resolve any name of a place to its id."""

    places: Mapping[str, Place]
    _keys: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._keys = {}
        for place in self.places.values():
            for name in (place.id, *place.names):
                for key in name_keys(name):
                    if key:
                        self._keys.setdefault(key, place.id)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(k in self._keys for k in name_keys(name))

    def get(self, name: str) -> str | None:
        """Return the id of the place called ``name``, or None (as :meth:`resolve`, without raising)."""
        for key in name_keys(name) if isinstance(name, str) else ():
            if key in self._keys:
                return self._keys[key]
        return None

    def resolve(self, name: str) -> str:
        """Return the id of the place called ``name``.

        Raises
        ------
        PlaceNotFoundError
            With the closest known names.
        """
        for key in name_keys(name) if isinstance(name, str) else ():
            if key in self._keys:
                return self._keys[key]
        raise PlaceNotFoundError(str(name), self.suggest(str(name)))

    def suggest(self, name: str, limit: int = 5) -> list[str]:
        """Return up to ``limit`` known names closest to ``name``, each with its place id."""
        key = normalize_name(name)
        if not key:
            return []
        from rapidfuzz import fuzz, process  # only for a name not found: not at start

        matches = process.extract(key, list(self._keys), scorer=fuzz.WRatio, limit=limit * 3)
        out: list[str] = []
        seen: set[str] = set()
        for match, score, _ in matches:
            pid = self._keys[match]
            if score < 50 or pid in seen:
                continue
            seen.add(pid)
            out.append(f"{self.places[pid].name} ({pid})")
            if len(out) == limit:
                break
        return out

    def resolve_all(self, names: Iterable[str]) -> list[str]:
        """Resolve several names."""
        return [self.resolve(n) for n in names]
