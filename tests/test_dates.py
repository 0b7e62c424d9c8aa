from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from karabakh_routes import DateError, parse_edtf, to_date


@pytest.mark.parametrize(("text", "lower", "upper", "earliest", "latest"), [
    ("2023-06-15", "2023-06-15", "2023-06-15", "2023-06-15", "2023-06-15"),
    ("2023-07-18~", "2023-07-18", "2023-07-18", "2023-07-17", "2023-07-19"),
    ("2023-07-18?", "2023-07-18", "2023-07-18", "2023-07-17", "2023-07-19"),
    ("2022-12", "2022-12-01", "2022-12-31", "2022-12-01", "2022-12-31"),
    ("2022-12~", "2022-12-01", "2022-12-31", "2022-11-01", "2023-01-31"),
    ("1993~", "1993-01-01", "1993-12-31", "1992-01-01", "1994-12-31"),
    ("199X", "1990-01-01", "1999-12-31", "1990-01-01", "1999-12-31"),
    ("2023-09-09/2023-09-10", "2023-09-09", "2023-09-10", "2023-09-09", "2023-09-10"),
])
def test_parse_edtf_bounds(text: str, lower: str, upper: str, earliest: str, latest: str) -> None:
    span = parse_edtf(text)
    got = tuple(d.isoformat() for d in (span.lower, span.upper, span.earliest, span.latest))
    assert got == (lower, upper, earliest, latest)
    assert span.text == text
    assert span.uncertain == (earliest != latest)


@pytest.mark.parametrize("bad", ["2023-02-30", "2023-13-01", "June 2023", "", "2023-09-10/2023-09-01", "20230615"])
def test_parse_edtf_rejects(bad: str) -> None:
    with pytest.raises(DateError, match="EDTF|empty|Empty|before"):
        parse_edtf(bad)


def test_to_date_accepts_date_datetime_text() -> None:
    assert to_date("2023-07-20") == dt.date(2023, 7, 20)
    assert to_date(dt.date(2023, 7, 20)) == dt.date(2023, 7, 20)
    assert to_date(dt.datetime(2023, 7, 20, 13, 5)) == dt.date(2023, 7, 20)


@pytest.mark.parametrize("bad", ["2023-7-20", "20.07.2023", "2023-02-29", 20230720, None])
def test_to_date_rejects_with_format(bad: object) -> None:
    with pytest.raises(DateError, match="YYYY-MM-DD"):
        to_date(bad)  # type: ignore[arg-type]


# -- the fast path for common forms gives the EDTF grammar's bounds -------------------------
def _grammar_bounds(text: str) -> tuple[dt.date, dt.date] | None:
    """The strict bounds the EDTF grammar gives ``text``, else None (it refuses it)."""
    from edtf import parse_edtf as grammar

    from karabakh_routes.dates import _struct_to_date

    try:
        value = grammar(text)
        return _struct_to_date(value.lower_strict()), _struct_to_date(value.upper_strict())
    except Exception:
        return None


@settings(max_examples=300, deadline=None)
@given(year=st.integers(0, 9999), month=st.one_of(st.none(), st.integers(0, 14)), day=st.one_of(st.none(), st.integers(0, 32)),
       qualifier=st.sampled_from(["", "~", "?", "%"]))
def test_simple_forms_match_the_grammar(year: int, month: int | None, day: int | None, qualifier: str) -> None:
    from karabakh_routes.dates import _simple_bounds

    text = f"{year:04d}" + (f"-{month:02d}" if month is not None else "")
    text += (f"-{day:02d}" if month is not None and day is not None else "") + qualifier
    fast = _simple_bounds(text)
    expected = _grammar_bounds(text)
    if fast is not None:  # the fast path answers only what the grammar answers the same way
        assert fast == expected, text
    elif expected is not None:  # else the grammar decides (year 0000, month 00 or 13+, no such day)
        assert year == 0 or not 1 <= (month or 1) <= 12 or day is not None


@settings(max_examples=100, deadline=None)
@given(digits=st.integers(0, 999), unspecified=st.sampled_from([1, 2]))
def test_unspecified_years_match_the_grammar(digits: int, unspecified: int) -> None:
    from karabakh_routes.dates import _simple_bounds

    text = f"{digits:03d}"[: 4 - unspecified] + "X" * unspecified
    fast = _simple_bounds(text)
    if fast is not None:
        assert fast == _grammar_bounds(text), text
    else:
        assert text.startswith("00"), text  # year 0: the grammar decides
