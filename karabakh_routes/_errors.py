"""Exception and warning classes raised by karabakh_routes.

Every error subclasses a built-in (``ValueError`` or ``LookupError``) so callers can
catch either the specific class or the built-in one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "AreaError",
    "DataError",
    "DateError",
    "KarabakhRoutesWarning",
    "PlaceNotFoundError",
    "Problem",
    "TrafficError",
    "ViewError",
]


def has_lone_surrogate(text: str) -> bool:
    """Return whether ``text`` holds a lone surrogate (U+D800-U+DFFF), which is not valid Unicode text.

    Examples
    --------
    >>> has_lone_surrogate("Goris"), has_lone_surrogate("Goris" + chr(0xD800))
    (False, True)
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def escape_surrogates(text: str) -> str:
    r"""Return ``text`` with every lone surrogate written as a backslash escape (``\ud800``).

    Examples
    --------
    >>> print(escape_surrogates("Go" + chr(0xD800) + "ris"))
    Go\ud800ris
    """
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    Attributes
    ----------
    file
        The file (or ``"<memory>"`` for in-memory data).
    where
        Row (``"row 7"``, counting the header as row 1) or feature (``"feature 3 (id=goris)"``).
    field
        The column or property at fault.
    value
        The offending value, as text.
    expected
        What would be valid.
    severity
        ``"error"`` or ``"warning"``.
    """

    file: str
    where: str
    field: str
    value: str
    expected: str
    severity: str = "error"

    def __post_init__(self) -> None:
        # A lone surrogate (from a JSON escape such as "\ud800") cannot be printed or written
        # as UTF-8: keep every field printable by showing such characters as escapes.
        for name in ("file", "where", "field", "value", "expected"):
            text = getattr(self, name)
            if isinstance(text, str) and has_lone_surrogate(text):
                object.__setattr__(self, name, escape_surrogates(text))

    def __str__(self) -> str:
        value = self.value if len(self.value) <= 80 else self.value[:77] + "..."
        text = f"{self.file}, {self.where}" + (f", field '{self.field}'" if self.field not in ("", "-") else "")
        if value:
            text += f": {value!r}"
        return f"{text} — {self.expected}"

    def to_dict(self) -> dict[str, str]:
        """Return the problem as a JSON-ready dict."""
        return {
            "file": self.file,
            "where": self.where,
            "field": self.field,
            "value": self.value,
            "expected": self.expected,
            "severity": self.severity,
        }


class DataError(ValueError):
    """Input data (events, sources, places, segments, routes) is invalid.

    ``problems`` lists every problem found, not only the first.
    """

    def __init__(self, problems: Sequence[Problem], *, header: str = "") -> None:
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        head = header or f"{len(errors)} problem(s) in the input data"
        lines = [head + ":"] + [f"  - {p}" for p in errors]
        super().__init__("\n".join(lines))


class DateError(ValueError):
    """A date could not be parsed or is impossible."""


class PlaceNotFoundError(LookupError):
    """No place matches a name; ``suggestions`` holds the closest known names."""

    def __init__(self, name: str, suggestions: Sequence[str]) -> None:
        self.name = name
        self.suggestions = list(suggestions)
        msg = f"Unknown place {name!r}."
        if self.suggestions:
            msg += " Closest known names: " + ", ".join(self.suggestions) + "."
        msg += " Run `karabakh-routes places` for the full list."
        super().__init__(msg)

    def __str__(self) -> str:  # LookupError would repr() the message
        return str(self.args[0])


class TrafficError(ValueError):
    """A traffic class name is not in the fixed vocabulary."""


class ViewError(ValueError):
    """A view name is not one of the accepted forms."""


class AreaError(ValueError):
    """An area (a bounding box, or a place and a distance) is not valid, or holds no road of the network."""


class KarabakhRoutesWarning(UserWarning):
    """Warning about questionable (but usable) data, e.g. coordinates outside the region.

    ``problem`` holds the :class:`Problem` (file, feature, field, value) when there is one.
    """

    problem: Problem | None = None
