from __future__ import annotations

import datetime as dt

import pytest

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
