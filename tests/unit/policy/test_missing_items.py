"""Items missing from a delivered package: the carrier's proof shows the package arrived, not its contents, so the
policy weighs the package's weight at pickup, the seller's packing record and the customer's photos, and says which
of them it had."""

from datetime import timedelta

from disputes.model import Dispute
from disputes.policy import CustomerHistory, PolicySettings, recommend
from schemas.common import Resolution
from schemas.dispute import Claim, CustomerEvidence, CustomerImage, MissingItem, PackingCheck, SubmissionKind
from schemas.orders import OrderItem, PackedLine, PackingRecord
from schemas.proof import ProofStatus
from schemas.recommendation import Effect, PolicyRule, Recommendation
from schemas.recommendation import RecommendedAction as Act
from tests.factories import BOXED, NOW, WEIGHED
from tests.unit.policy.builders import dispute, evidence, snapshot

SETTINGS = PolicySettings()
DECLARED = 2_400
ALL_PACKED = PackingRecord(
    shipment_id="shp-1", packed_at=NOW - timedelta(days=3), photo=True,
    lines=[PackedLine(sku="sku-kettle", quantity=1), PackedLine(sku="sku-glass", quantity=6),
           PackedLine(sku="sku-spoon", quantity=12)],
)
TWO_GLASSES_SHORT = ALL_PACKED.model_copy(update={"lines": [
    PackedLine(sku="sku-kettle", quantity=1), PackedLine(sku="sku-glass", quantity=4), PackedLine(sku="sku-spoon", quantity=12),
]})


def missing_glasses(
    *, carrier_grams: int | None = None, declared: int | None = DECLARED, packing: PackingCheck | None = None,
    preference: Resolution = Resolution.REFUND, package_value: int | None = None,
    missing: tuple[MissingItem, ...] = (MissingItem(sku="sku-glass", quantity=2),),
    items: list[OrderItem] = BOXED,
) -> Dispute:
    """Two of the six glasses (or `missing`) claimed missing from a delivered, signed-for package of three lines
    (`items`: without unit weights unless given them)."""
    proof = evidence(weight_grams=carrier_grams, package_count=1) if carrier_grams else evidence()
    base = dispute(proof, preference=preference)
    order = snapshot().model_copy(update={
        "items": items, "declared_weight_grams": declared,
        "value_minor": package_value or sum(i.unit_price_minor * i.quantity for i in items),
    })
    return base.model_copy(update={
        "order": order, "claim": Claim.MISSING_ITEMS, "missing_items": list(missing),
        "packing": packing,
    })


def advise(d: Dispute, settings: PolicySettings = SETTINGS) -> Recommendation:
    return recommend(d, CustomerHistory(), NOW, settings)


def codes(advice: Recommendation) -> list[str]:
    return [f.code for f in advice.findings]


def test_a_package_lighter_at_pickup_than_declared_is_resolved_for_the_customer_without_carrier_liability() -> None:
    four_glasses = (MissingItem(sku="sku-glass", quantity=4),)

    advice = advise(missing_glasses(carrier_grams=1_900, missing=four_glasses, items=WEIGHED))

    assert (advice.action, advice.rule, advice.auto_resolve, advice.carrier_liable) == (
        Act.REFUND, PolicyRule.PACKED_UNDERWEIGHT, True, False
    )
    weight = advice.findings[0]
    assert (weight.code, weight.effect, weight.facts) == (
        "weight_below_declared", Effect.AGAINST_DELIVERY,
        {"carrier_grams": 1_900, "expected_grams": 2_400, "tolerance_grams": 150},
    )
    assert weight.text == (
        "The carrier weighed the package at 1,900 g, 500 g under the declared 2,400 g: it left without some of its "
        "contents"
    )
    assert weight.text_tr == (
        "Kargo firması paketi 1.900 g olarak tarttı, beyan edilen 2.400 g'dan 500 g eksik: "
        "paket içeriğinin bir kısmı olmadan yola çıktı"
    )
    covered = advice.findings[1]  # four glasses of 110 g
    assert (covered.code, covered.effect, covered.facts) == (
        "shortfall_covers_claimed", Effect.AGAINST_DELIVERY,
        {"shortfall_grams": 500, "claimed_grams": 440, "tolerance_grams": 150},
    )


def test_a_package_a_little_light_does_not_pay_a_claimed_item_heavier_than_the_shortfall() -> None:
    kettle = (MissingItem(sku="sku-kettle", quantity=1),)

    advice = advise(missing_glasses(carrier_grams=2_200, missing=kettle, items=WEIGHED))  # 200 g short of 2 400 g

    assert (advice.action, advice.rule, advice.auto_resolve, advice.lines) == (
        Act.NEEDS_PERSON, PolicyRule.MISSING_ITEMS_REVIEW, False, []
    )
    assert codes(advice)[:2] == ["weight_below_declared", "shortfall_below_claimed"]
    short = advice.findings[1]
    assert (short.effect, short.facts) == (
        Effect.NEUTRAL, {"shortfall_grams": 200, "claimed_grams": 1_150, "tolerance_grams": 150}
    )
    assert short.text == (
        "The shortfall (200 g) explains less than the claimed items' weight (1,150 g), even allowing 150 g: "
        "a person decides"
    )
    assert short.text_tr == (
        "Paketin 200 g'lık eksiği, 150 g payla bile talep edilen ürünlerin ağırlığından (1.150 g) az: bir kişi karar "
        "verir"
    )


def test_a_shortfall_explains_the_claimed_items_within_the_weight_tolerance_either_way() -> None:
    kettle = (MissingItem(sku="sku-kettle", quantity=1),)  # 1 150 g; 150 g tolerance on 2 400 g

    explained = advise(missing_glasses(carrier_grams=1_400, missing=kettle, items=WEIGHED))  # 1 000 g short
    not_quite = advise(missing_glasses(carrier_grams=1_401, missing=kettle, items=WEIGHED))  # 999 g short
    heavier = advise(missing_glasses(carrier_grams=1_100, missing=kettle, items=WEIGHED))  # 1 300 g short
    too_heavy = advise(missing_glasses(carrier_grams=1_099, missing=kettle, items=WEIGHED))  # 1 301 g short

    assert (explained.action, explained.auto_resolve, explained.lines) == (Act.REFUND, True, list(kettle))
    assert (heavier.action, heavier.auto_resolve, heavier.lines) == (Act.REFUND, True, list(kettle))
    assert (not_quite.action, not_quite.lines, not_quite.findings[1].code) == (
        Act.NEEDS_PERSON, [], "shortfall_below_claimed"
    )
    assert (too_heavy.action, too_heavy.lines, too_heavy.findings[1].code) == (
        Act.NEEDS_PERSON, [], "shortfall_above_claimed"
    )


def test_a_shortfall_far_beyond_the_claimed_items_weight_goes_to_a_person() -> None:
    pan = OrderItem(sku="PAN", name="Döküm tava 28 cm", quantity=1, unit_price_minor=50_000, unit_weight_grams=4_650)
    watch = OrderItem(sku="WATCH", name="Akıllı saat", quantity=1, unit_price_minor=950_000, unit_weight_grams=50)
    claimed = (MissingItem(sku="WATCH", quantity=1),)

    # 5 100 g declared, 450 g weighed: 4 650 g short, the pan's weight; tolerance 5 % of 5 100 g = 255 g
    advice = advise(missing_glasses(carrier_grams=450, declared=5_100, missing=claimed, items=[pan, watch]))

    assert (advice.action, advice.rule, advice.auto_resolve, advice.lines) == (
        Act.NEEDS_PERSON, PolicyRule.MISSING_ITEMS_REVIEW, False, []
    )
    assert codes(advice)[:2] == ["weight_below_declared", "shortfall_above_claimed"]
    beyond = advice.findings[1]
    assert (beyond.effect, beyond.facts) == (
        Effect.NEUTRAL, {"shortfall_grams": 4_650, "claimed_grams": 50, "tolerance_grams": 255}
    )
    assert beyond.text == (
        "The shortfall (4,650 g) is more than the claimed items' weight (50 g), even allowing 255 g: it does not show "
        "which items were missing, a person decides"
    )
    assert beyond.text_tr == (
        "Paketin 4.650 g'lık eksiği, 255 g payla bile talep edilen ürünlerin ağırlığından (50 g) fazla: hangi "
        "ürünlerin eksik olduğunu göstermiyor, bir kişi karar verir"
    )


def test_a_light_package_the_carrier_says_is_not_delivered_goes_to_a_person_with_the_carrier_s_status() -> None:
    four_glasses = (MissingItem(sku="sku-glass", quantity=4),)  # paid on a delivered proof of this weight (above)
    light = missing_glasses(carrier_grams=1_900, missing=four_glasses, items=WEIGHED)
    in_transit = evidence("ev-transit", status=ProofStatus.IN_TRANSIT, weight_grams=1_900, package_count=1)
    returned = evidence("ev-returned", status=ProofStatus.RETURNED, received_at=NOW)

    never_delivered = advise(light.model_copy(update={"evidence": [in_transit]}))
    delivered_then_returned = advise(light.model_copy(update={"evidence": [*light.evidence, returned]}))

    for advice, latest in ((never_delivered, "in_transit"), (delivered_then_returned, "returned")):
        assert (advice.action, advice.rule, advice.auto_resolve, advice.lines) == (
            Act.NEEDS_PERSON, PolicyRule.MISSING_ITEMS_REVIEW, False, []
        )
        status = advice.findings[0]
        assert (status.code, status.text) == (
            "carrier_status_not_delivered", f"The carrier's latest status is '{latest}', not delivered"
        )
        assert "proof_shows_package_only" not in codes(advice)
        assert "shortfall_covers_claimed" not in codes(advice)


def test_a_packing_record_short_of_the_claim_pays_nothing_while_the_carrier_says_not_delivered() -> None:
    short = missing_glasses(packing=PackingCheck(answered=True, record=TWO_GLASSES_SHORT))
    in_transit = evidence("ev-transit", status=ProofStatus.IN_TRANSIT)

    advice = advise(short.model_copy(update={"evidence": [in_transit]}))

    assert (advice.action, advice.auto_resolve, advice.lines) == (Act.NEEDS_PERSON, False, [])
    assert codes(advice)[:3] == ["carrier_status_not_delivered", "carrier_weight_unavailable", "items_not_packed"]


def test_no_finding_says_the_package_arrived_before_the_carrier_s_proof_does() -> None:
    unproven = missing_glasses().model_copy(update={"evidence": []})

    assert "proof_shows_package_only" not in codes(advise(unproven))
    assert "proof_shows_package_only" in codes(advise(missing_glasses()))


def test_a_light_package_goes_to_a_person_when_the_order_states_no_unit_weight_for_a_claimed_line() -> None:
    unweighed_spoons = [*WEIGHED[:2], WEIGHED[2].model_copy(update={"unit_weight_grams": None})]
    claimed = (MissingItem(sku="sku-glass", quantity=2), MissingItem(sku="sku-spoon", quantity=3))

    advice = advise(missing_glasses(carrier_grams=1_900, missing=claimed, items=unweighed_spoons))

    assert (advice.action, advice.rule, advice.lines) == (Act.NEEDS_PERSON, PolicyRule.MISSING_ITEMS_REVIEW, [])
    unknown = advice.findings[1]
    assert (unknown.code, unknown.facts) == ("claimed_weight_unknown", {"shortfall_grams": 500})
    assert "500 g" in unknown.text and "500 g" in unknown.text_tr


def test_the_units_of_a_sku_on_two_lines_weigh_their_unit_weight_each_unless_the_lines_disagree() -> None:
    glass = WEIGHED[1]
    split = [WEIGHED[0], glass.model_copy(update={"quantity": 4}),
             glass.model_copy(update={"quantity": 2, "unit_price_minor": 2_000}), WEIGHED[2]]
    disagreeing = [*split[:2], split[2].model_copy(update={"unit_weight_grams": 90}), WEIGHED[2]]
    five_glasses = (MissingItem(sku="sku-glass", quantity=5),)  # 550 g

    split_advice = advise(missing_glasses(carrier_grams=1_900, missing=five_glasses, items=split))  # 500 g short
    disagreeing_advice = advise(missing_glasses(carrier_grams=1_900, missing=five_glasses, items=disagreeing))

    assert (split_advice.action, split_advice.findings[1].facts) == (
        Act.REFUND, {"shortfall_grams": 500, "claimed_grams": 550, "tolerance_grams": 150}
    )
    assert (disagreeing_advice.action, disagreeing_advice.findings[1].code) == (Act.NEEDS_PERSON, "claimed_weight_unknown")


def test_a_matching_weight_a_complete_packing_record_and_no_photos_go_to_a_person() -> None:
    advice = advise(missing_glasses(carrier_grams=2_350, packing=PackingCheck(answered=True, record=ALL_PACKED)))

    assert (advice.action, advice.rule, advice.auto_resolve) == (Act.NEEDS_PERSON, PolicyRule.MISSING_ITEMS_REVIEW, False)
    assert codes(advice)[:4] == [
        "weight_matches_declared", "items_packed", "customer_photos_missing", "proof_shows_package_only"
    ]
    assert "with a photo" in advice.findings[1].text


def test_a_packing_record_short_of_a_claimed_line_gives_the_customer_what_they_asked_for() -> None:
    short = PackingCheck(answered=True, record=TWO_GLASSES_SHORT)

    advice = advise(missing_glasses(carrier_grams=2_350, packing=short, preference=Resolution.RESHIP))

    assert (advice.action, advice.rule, advice.auto_resolve) == (Act.RESHIP, PolicyRule.ITEMS_NOT_PACKED, True)
    assert advice.findings[0].code == "items_not_packed"
    assert advice.findings[0].facts == {"skus": "sku-glass", "units": 2, "units_claimed": 2}
    assert advice.lines == [MissingItem(sku="sku-glass", quantity=2)]


def test_a_packing_record_supports_only_the_units_it_shows_unpacked_line_by_line() -> None:
    one_glass_short = ALL_PACKED.model_copy(update={"lines": [
        PackedLine(sku="sku-kettle", quantity=1), PackedLine(sku="sku-glass", quantity=5), PackedLine(sku="sku-spoon", quantity=12),
    ]})
    claimed = (MissingItem(sku="sku-glass", quantity=2), MissingItem(sku="sku-kettle", quantity=1))

    advice = advise(missing_glasses(packing=PackingCheck(answered=True, record=one_glass_short), missing=claimed))

    # paying the one glass would reject the rest of the claim: a person decides, unless rejections may be automatic
    assert (advice.action, advice.rule, advice.auto_resolve) == (Act.NEEDS_PERSON, PolicyRule.ITEMS_NOT_PACKED, False)
    assert advice.lines == [MissingItem(sku="sku-glass", quantity=1)]
    allowed = advise(missing_glasses(packing=PackingCheck(answered=True, record=one_glass_short), missing=claimed),
                     PolicySettings(auto_reject_enabled=True))
    assert (allowed.action, allowed.auto_resolve, allowed.lines) == (Act.REFUND, True, advice.lines)
    short = advice.findings[0]
    assert short.facts == {"skus": "sku-glass", "units": 1, "units_claimed": 3}
    assert "sku-glass (1 of 2 claimed); packed as ordered: sku-kettle" in short.text
    assert "sku-glass (talep edilen 2 adetten 1); siparişteki kadar paketlenen: sku-kettle" in short.text_tr


def test_a_packing_record_never_supports_more_than_the_customer_claims() -> None:
    four_glasses_short = ALL_PACKED.model_copy(update={"lines": [
        PackedLine(sku="sku-kettle", quantity=1), PackedLine(sku="sku-glass", quantity=2), PackedLine(sku="sku-spoon", quantity=12),
    ]})

    advice = advise(missing_glasses(packing=PackingCheck(answered=True, record=four_glasses_short)))

    assert advice.lines == [MissingItem(sku="sku-glass", quantity=2)]


def test_a_package_lighter_than_declared_supports_the_lines_claimed_and_a_person_gets_none() -> None:
    claimed = (MissingItem(sku="sku-glass", quantity=2), MissingItem(sku="sku-spoon", quantity=3))

    light = advise(missing_glasses(carrier_grams=2_100, missing=claimed, items=WEIGHED))  # 300 g short; they weigh 295 g
    packed = advise(missing_glasses(carrier_grams=2_350, packing=PackingCheck(answered=True, record=ALL_PACKED)))

    assert (light.rule, light.lines) == (PolicyRule.PACKED_UNDERWEIGHT, list(claimed))
    assert (packed.action, packed.lines) == (Act.NEEDS_PERSON, [])


def test_the_findings_say_what_was_not_available() -> None:
    advice = advise(missing_glasses(declared=None))

    assert advice.action is Act.NEEDS_PERSON
    assert {"carrier_weight_unavailable", "packing_record_unavailable", "customer_photos_missing"} <= set(codes(advice))


def test_an_order_service_without_a_record_for_the_package_is_told_apart_from_one_that_could_not_answer() -> None:
    none_kept = advise(missing_glasses(packing=PackingCheck(answered=True, record=None)))
    not_asked = advise(missing_glasses(packing=PackingCheck(answered=False)))

    assert "packing_record_missing" in codes(none_kept) and "packing_record_unavailable" in codes(not_asked)


def test_without_a_declared_weight_the_seller_s_packed_weight_is_compared() -> None:
    weighed = PackingCheck(answered=True, record=ALL_PACKED.model_copy(update={"weight_grams": 2_500}))

    advice = advise(missing_glasses(carrier_grams=2_000, declared=None, packing=weighed))

    assert advice.findings[0].code == "weight_below_declared"
    assert "packed (seller's scale)" in advice.findings[0].text


def test_the_tolerance_grows_with_the_package_and_is_configured() -> None:
    heavy = missing_glasses(carrier_grams=19_200, declared=20_000)  # 800 g under: within 5 %, i.e. 1 000 g

    assert advise(heavy).findings[0].code == "weight_matches_declared"
    assert advise(heavy, PolicySettings(weight_tolerance_share=0.02)).findings[0].code == "weight_below_declared"


def test_a_package_heavier_than_declared_says_nothing_about_missing_items() -> None:
    advice = advise(missing_glasses(carrier_grams=3_000))

    assert (advice.action, advice.findings[0].code, advice.findings[0].effect) == (
        Act.NEEDS_PERSON, "weight_above_declared", Effect.NEUTRAL
    )


def test_only_the_missing_lines_value_counts_towards_a_high_value_order() -> None:
    advice = advise(missing_glasses(carrier_grams=2_180, package_value=5_000_000, items=WEIGHED))  # the glasses' 220 g

    assert "high_value_order" not in codes(advice) and advice.auto_resolve


def test_customer_photos_added_to_the_case_are_counted_and_a_person_looks_at_them() -> None:
    photos = [CustomerImage(ref=f"att_{n}", filename=f"kutu{n}.jpg", media_type="image/jpeg", size=1_000) for n in (1, 2)]
    added = CustomerEvidence(
        kind=SubmissionKind.INFORMATION, statement="Kutunun fotoğrafları.", images=photos, submitted_at=NOW,
        submitted_by="cust-1",
    )
    weighed = missing_glasses(carrier_grams=2_350, packing=PackingCheck(answered=True, record=ALL_PACKED))

    advice = advise(weighed.model_copy(update={"customer_evidence": [added]}))

    assert advice.action is Act.NEEDS_PERSON
    [photos_seen] = [f for f in advice.findings if f.code.startswith("customer_photos")]
    assert (photos_seen.code, photos_seen.facts) == ("customer_photos_present", {"photos": 2})


def test_the_lines_shown_missing_stay_named_when_the_customer_adds_evidence() -> None:
    four_glasses = MissingItem(sku="sku-glass", quantity=4)  # 500 g short at pickup, four glasses of 110 g
    case = missing_glasses(carrier_grams=1_900, missing=(four_glasses,), items=WEIGHED)
    photos = CustomerEvidence(
        kind=SubmissionKind.INFORMATION, statement="Kutuda iki bardak vardı.", submitted_by=case.customer_id,
        submitted_at=NOW - timedelta(minutes=30),
        images=[CustomerImage(ref="att_1", media_type="image/jpeg", filename="kutu.jpg", size=2048)],
    )

    advice = advise(case.model_copy(update={"customer_evidence": [photos]}))

    assert (advice.action, advice.rule, advice.auto_resolve) == (Act.NEEDS_PERSON, PolicyRule.CUSTOMER_EVIDENCE, False)
    assert advice.lines == [four_glasses]
