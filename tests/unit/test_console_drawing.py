"""The console's pictures and words: the delivery map's geometry, the charts' bars, the language chosen."""

import math

import pytest

from adapters.web.console.drawing import MAP_HEIGHT, MAP_WIDTH, bar_chart, delivery_map, share_line
from adapters.web.console.i18n import TEXTS, accepted, percent, translator
from adapters.web.console.reports import liability_charts
from disputes.ports import CarrierFigures
from disputes.policy.wording import distance

KADIKOY = (40.9819, 29.0576)


def test_the_map_places_a_point_due_north_of_the_address_straight_above_it():
    north = (KADIKOY[0] + 0.001, KADIKOY[1])  # 0.001° of latitude is about 111 m
    drawn = delivery_map(KADIKOY, north, None)
    assert drawn.address.x == drawn.delivery.x and drawn.delivery.y < drawn.address.y
    assert 110 < drawn.distance_m < 112 and distance(drawn.distance_m) == ("111 m", "111 m")


def test_the_map_keeps_both_points_and_the_accuracy_circle_inside_the_picture():
    far = (KADIKOY[0] - 0.02, KADIKOY[1] + 0.03)  # some 3.3 km south-east
    drawn = delivery_map(KADIKOY, far, 900.0)
    for p in (drawn.address, drawn.delivery):
        assert 0 < p.x < MAP_WIDTH and 0 < p.y < MAP_HEIGHT
    assert drawn.delivery.x > drawn.address.x and drawn.delivery.y > drawn.address.y
    assert drawn.delivery.y + drawn.accuracy_px <= MAP_HEIGHT
    pixels = math.dist((drawn.address.x, drawn.address.y), (drawn.delivery.x, drawn.delivery.y))
    assert pixels / drawn.distance_m == pytest.approx(drawn.scale_px / drawn.scale_m, rel=0.02)
    assert 3_000 < drawn.distance_m < 4_000 and drawn.scale_px <= MAP_WIDTH / 4


def test_the_same_point_twice_is_drawn_at_the_centre_at_zero_metres():
    drawn = delivery_map(KADIKOY, KADIKOY, None)
    assert (drawn.address, drawn.distance_m) == (drawn.delivery, 0.0)
    assert (drawn.address.x, drawn.address.y) == (MAP_WIDTH / 2, MAP_HEIGHT / 2)


def test_stacked_bars_are_scaled_to_the_longest_and_laid_out_end_to_end():
    chart = bar_chart([("ups", [("refund", 3, "3"), ("rejected", 1, "1")]), ("aras", [("refund", 2, "2")])],
                      total_text="{:.0f}".format)
    ups, aras = chart.bars
    first, second = ups.segments
    assert second.x == first.x + first.width and first.width == 3 * second.width
    assert aras.segments[0].width * 2 == pytest.approx(ups.segments[0].width + ups.segments[1].width, abs=0.2)
    assert (ups.total_text, chart.keys) == ("4", ("refund", "rejected"))


def test_a_chart_of_nothing_draws_no_bars_and_does_not_divide_by_zero():
    chart = bar_chart([("ups", [("liability", 0.0, "")])])
    assert chart.bars[0].segments[0].width == 0


def test_the_sla_line_breaks_where_a_week_had_no_decisions():
    line = share_line([("w1", 1.0), ("w2", None), ("w3", 0.5), ("w4", 0.0)], lambda share: percent(share, "en"))
    assert line.path.count("M") == 2 and line.path.count("L") == 1
    assert [p.text for p in line.points] == ["100%", "50%", "0%"]
    assert line.points[0].y < line.points[1].y < line.points[2].y  # higher share, higher on the page


def test_a_share_is_written_with_the_percent_sign_before_it_in_turkish_and_after_it_in_english():
    assert (percent(0.82, "tr"), percent(0.82, "en")) == ("%82", "82%")
    assert (percent(0.0, "tr"), percent(1.0, "en"), percent(0.954, "tr")) == ("%0", "100%", "%95")
    line = share_line([("w1", 0.5)], lambda share: percent(share, "tr"))
    assert [p.text for p in line.points] == ["%50"] and [text for _, text in line.gridlines] == ["%0", "%50", "%100"]


@pytest.mark.parametrize(("header", "language"), [
    ("tr-TR,tr;q=0.9,en-US;q=0.8", "tr"),
    ("en-GB,en;q=0.9,tr;q=0.8", "en"),
    ("de-DE,de;q=0.9,en;q=0.5", "en"),
    ("en;q=0.2,tr;q=0.7", "tr"),
    ("tr;q=0,en;q=0.1", "en"),
    ("fr", "tr"),
    ("", "tr"),
    ("en;q=abc", "tr"),
])
def test_the_language_is_the_browser_s_first_choice_of_ours(header, language):
    assert accepted(header) == language


def test_every_word_has_both_languages_and_an_unknown_key_shows_itself():
    assert all(en and tr for en, tr in TEXTS.values())
    assert translator("tr")("sign_in") == "Giriş yap" and translator("en")("sign_in") == "Sign in"
    assert translator("en")("ups") == "ups"


def test_the_distance_is_written_above_both_points_and_the_accuracy_circle():
    drawn = delivery_map(KADIKOY, (KADIKOY[0] + 0.0001, KADIKOY[1] + 0.0001), 12.0)
    assert drawn.label.y < drawn.address.y and drawn.label.y < drawn.delivery.y - drawn.accuracy_px
    assert min(drawn.address.x, drawn.delivery.x) <= drawn.label.x <= max(drawn.address.x, drawn.delivery.x)


def _owing(carrier: str, liabilities: dict[str, int]) -> CarrierFigures:
    return CarrierFigures(
        carrier=carrier, disputes=3, outcomes={}, share_with_evidence=1.0, share_with_signature=1.0,
        share_with_photo=0.0, share_with_location=0.0, median_hours_to_proof=None, liabilities=liabilities,
        partial_outcomes={},
    )


def test_what_a_carrier_owes_is_written_as_the_language_writes_money():
    owes = [_owing("aras", {"TRY": 1_250_050})]
    assert [[bar.total_text for bar in chart.bars] for _, chart in liability_charts(owes, "tr")] == [["12.500,50 TL"]]
    assert [[bar.total_text for bar in chart.bars] for _, chart in liability_charts(owes, "en")] == [["12,500.50 TRY"]]


def test_each_currency_owed_has_a_chart_of_its_own_and_its_amounts_are_written_exactly():
    owes = [_owing("aras", {"TRY": 10**19 + 1}), _owing("ptt", {"EUR": 10_000, "TRY": 0})]

    charts = liability_charts(owes, "en")

    assert [(currency, [(bar.label, bar.total_text) for bar in chart.bars]) for currency, chart in charts] == [
        ("EUR", [("ptt", "100.00 EUR")]),
        ("TRY", [("aras", "100,000,000,000,000,000.01 TRY"), ("ptt", "0.00 TRY")]),
    ]
