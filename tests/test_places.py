from __future__ import annotations

import pytest

import karabakh_routes as kr
from karabakh_routes.places import normalize_name


@pytest.mark.parametrize(("a", "b"), [
    ("Xankəndi", "XANKANDI"), ("Şuşa", "susa"), ("Laçın", "lacin"), ("Ağdam", "agdam"),
    ("Shusha–Shushi", "shusha shushi"), ("Step'anakert", "stepanakert"), ("  İrəvan ", "irevan".replace("e", "a")),
])
def test_normalize_is_case_accent_punctuation_insensitive(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


def test_fixture_lookup_by_every_name(fixture_model: kr.RoadModel) -> None:
    for pid, place in fixture_model.places.items():
        for name in (pid, *place.names):
            assert fixture_model.place(name).id == pid
            assert fixture_model.place(name.upper()).id == pid


def test_unknown_name_gets_suggestions(fixture_model: kr.RoadModel) -> None:
    with pytest.raises(kr.PlaceNotFoundError) as info:
        fixture_model.place("Sout Vilage")
    assert info.value.suggestions[0] == "South Village (south)"
    assert isinstance(info.value, LookupError)


def test_transliteration_variants_resolve(fixture_model: kr.RoadModel) -> None:
    # "Şərq" is an alias; its transliteration "Sharq" is one too, and "Sherq"-style typos get suggestions
    assert fixture_model.place("ŞƏRQ").id == "east"
    assert fixture_model.place("sharq").id == "east"
