"""Missing items at the edges of disputes/policy/missing.py's rules: a weight with nothing to compare it with, the
tolerance's own edges, two weighings of one package, what each finding cites, whether the seller's packing record had
a photo, and a record short of several lines."""

from datetime import timedelta

import pytest

from disputes.model import Dispute
from schemas.dispute import MissingItem, PackingCheck
from schemas.orders import PackedLine, PackingRecord
from schemas.recommendation import Effect, Finding, PolicyRule
from schemas.recommendation import RecommendedAction as Act
from tests.factories import WEIGHED
from tests.unit.policy.builders import RECEIVED_AT, evidence
from tests.unit.policy.test_missing_items import ALL_PACKED, advise, missing_glasses

WEIGHT_CITES = ["proof.weight_grams", "order.declared_weight_grams", "packing.record"]
"""A weight finding rests on the carrier's weighing, the declared weight and the seller's packing record (its weight)."""
GLASSES_AND_SPOONS_SHORT = ALL_PACKED.model_copy(
    update={
        "lines": [
            PackedLine(sku="sku-kettle", quantity=1),
            PackedLine(sku="sku-glass", quantity=4),
            PackedLine(sku="sku-spoon", quantity=9),
        ]
    }
)
"""Two of the six glasses and three of the twelve spoons not packed; the kettle packed."""
GLASSES_AND_SPOONS = (MissingItem(sku="sku-glass", quantity=2), MissingItem(sku="sku-spoon", quantity=3))


def found(case: Dispute, code: str) -> Finding:
    [match] = [f for f in advise(case).findings if f.code == code]
    return match


def cited(finding: Finding) -> list[tuple[str | None, str]]:
    return [(c.evidence_key, c.field) for c in finding.evidence]


def test_a_package_weighed_with_no_declared_or_packed_weight_to_compare_goes_to_a_person_and_says_so() -> None:
    case = missing_glasses(carrier_grams=1_900, declared=None)

    advice = advise(case)
    weighed = found(case, "expected_weight_unavailable")

    assert (advice.action, advice.rule, advice.auto_resolve) == (
        Act.NEEDS_PERSON,
        PolicyRule.MISSING_ITEMS_REVIEW,
        False,
    )
    assert (weighed.effect, weighed.facts, weighed.evidence_keys) == (
        Effect.NEUTRAL,
        {"carrier_grams": 1_900},
        ["ev-1"],
    )
    assert "1,900 g" in weighed.text and "1.900 g" in weighed.text_tr
    assert cited(weighed) == [("ev-1", WEIGHT_CITES[0]), (None, WEIGHT_CITES[1]), (None, WEIGHT_CITES[2])]


@pytest.mark.parametrize(
    ("carrier_grams", "code"),
    [
        (2_249, "weight_below_declared"),
        (2_250, "weight_matches_declared"),  # exactly the 150 g tolerance under 2,400 g: not lighter by MORE than it
        (2_550, "weight_matches_declared"),  # exactly the tolerance over
        (2_551, "weight_above_declared"),
    ],
)
def test_a_package_exactly_the_tolerance_off_its_declared_weight_matches_it(carrier_grams: int, code: str) -> None:
    weighed = advise(missing_glasses(carrier_grams=carrier_grams)).findings[0]

    assert weighed.code == code
    assert weighed.facts == {"carrier_grams": carrier_grams, "expected_grams": 2_400, "tolerance_grams": 150}
    assert cited(weighed) == [("ev-1", WEIGHT_CITES[0]), (None, WEIGHT_CITES[1]), (None, WEIGHT_CITES[2])]


@pytest.mark.parametrize("listed", ["earlier first", "later first"])
def test_of_two_weighings_the_proof_received_last_is_compared_wherever_it_is_listed(listed: str) -> None:
    earlier = evidence("ev-early", weight_grams=2_400, package_count=1, received_at=RECEIVED_AT - timedelta(hours=2))
    later = evidence("ev-late", weight_grams=1_900, package_count=1, received_at=RECEIVED_AT)
    proofs = [earlier, later] if listed == "earlier first" else [later, earlier]
    case = missing_glasses().model_copy(update={"evidence": proofs})

    weighed = advise(case).findings[0]

    assert (weighed.code, weighed.evidence_keys, weighed.facts["carrier_grams"]) == (
        "weight_below_declared",
        ["ev-late"],
        1_900,
    )


def test_each_weight_and_packing_finding_cites_the_fields_it_rests_on() -> None:
    unweighed = missing_glasses()
    packages_unknown = missing_glasses().model_copy(update={"evidence": [evidence(weight_grams=2_400)]})
    one_of_two = missing_glasses().model_copy(update={"evidence": [evidence(weight_grams=1_200, package_count=2)]})
    short = missing_glasses(carrier_grams=2_200, missing=(MissingItem(sku="sku-kettle", quantity=1),))
    covered = missing_glasses(carrier_grams=2_180, items=WEIGHED)  # 220 g short of 2,400 g; two glasses weigh 220 g
    too_little = missing_glasses(
        carrier_grams=2_200, missing=(MissingItem(sku="sku-kettle", quantity=1),), items=WEIGHED
    )
    packed = missing_glasses(packing=PackingCheck(answered=True, record=ALL_PACKED))
    not_packed = missing_glasses(packing=PackingCheck(answered=True, record=GLASSES_AND_SPOONS_SHORT))
    none_kept = missing_glasses(packing=PackingCheck(answered=True, record=None))

    assert cited(found(unweighed, "carrier_weight_unavailable")) == [(None, WEIGHT_CITES[1]), (None, WEIGHT_CITES[2])]
    one_package = [("ev-1", "proof.weight_grams"), ("ev-1", "proof.package_count")]
    assert cited(found(packages_unknown, "carrier_weight_packages_unknown")) == one_package
    assert cited(found(one_of_two, "carrier_weight_one_package")) == one_package
    claimed_weight = [(None, "order.items"), (None, "missing_items")]
    assert cited(found(short, "claimed_weight_unknown")) == claimed_weight
    assert cited(found(covered, "shortfall_covers_claimed")) == claimed_weight
    assert cited(found(too_little, "shortfall_below_claimed")) == claimed_weight
    packing = [(None, "packing"), (None, "missing_items")]
    assert cited(found(unweighed, "packing_record_unavailable")) == packing
    assert cited(found(none_kept, "packing_record_missing")) == packing
    assert cited(found(packed, "items_packed")) == packing
    assert cited(found(not_packed, "items_not_packed")) == packing


def test_a_packing_record_is_said_to_have_a_photo_only_when_it_has_one() -> None:
    def packing_text(record_photo: bool, record: PackingRecord, code: str) -> tuple[str, str]:
        kept = record.model_copy(update={"photo": record_photo})
        said = found(missing_glasses(packing=PackingCheck(answered=True, record=kept)), code)
        return said.text, said.text_tr

    for record, code in ((ALL_PACKED, "items_packed"), (GLASSES_AND_SPOONS_SHORT, "items_not_packed")):
        with_photo, with_photo_tr = packing_text(True, record, code)
        without, without_tr = packing_text(False, record, code)
        assert "with a photo" in with_photo and "(fotoğraflı)" in with_photo_tr
        assert "photo" not in without and "fotoğraf" not in without_tr and "None" not in without + without_tr


def test_a_record_short_of_every_claimed_line_lists_them_all_and_nothing_packed_as_ordered() -> None:
    case = missing_glasses(
        packing=PackingCheck(answered=True, record=GLASSES_AND_SPOONS_SHORT), missing=GLASSES_AND_SPOONS
    )

    short = found(case, "items_not_packed")

    assert short.facts == {"skus": "sku-glass, sku-spoon", "units": 5, "units_claimed": 5}
    assert short.text.endswith(": sku-glass (2 of 2 claimed), sku-spoon (3 of 3 claimed)")
    assert short.text_tr.endswith(": sku-glass (talep edilen 2 adetten 2), sku-spoon (talep edilen 3 adetten 3)")


def test_the_lines_a_record_shows_packed_are_listed_one_by_one() -> None:
    only_glasses_short = ALL_PACKED.model_copy(
        update={
            "lines": [
                PackedLine(sku="sku-kettle", quantity=1),
                PackedLine(sku="sku-glass", quantity=4),
                PackedLine(sku="sku-spoon", quantity=12),
            ]
        }
    )
    claimed = (
        MissingItem(sku="sku-glass", quantity=2),
        MissingItem(sku="sku-kettle", quantity=1),
        MissingItem(sku="sku-spoon", quantity=1),
    )

    short = found(
        missing_glasses(packing=PackingCheck(answered=True, record=only_glasses_short), missing=claimed),
        "items_not_packed",
    )

    assert short.text.endswith("sku-glass (2 of 2 claimed); packed as ordered: sku-kettle, sku-spoon")
    assert short.text_tr.endswith("; siparişteki kadar paketlenen: sku-kettle, sku-spoon")
