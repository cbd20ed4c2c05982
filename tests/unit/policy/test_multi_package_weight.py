"""The weight rule on a shipment of several packages: FedEx weighs each package (``packageDetails.weightAndDimensions``)
while the order declares the whole shipment's weight, so a package's weight is compared only when it is the whole
shipment's. The proofs are read by the FedEx mapping from its reply samples (``tests/fixtures/carriers/fedex/``)."""

from carriers.fedex.mapping import parse_track_response
from carriers.http import HttpResponse
from disputes.model import Dispute
from disputes.policy import CustomerHistory, PolicySettings, recommend
from schemas.dispute import Claim, Evidence, MissingItem
from schemas.proof import ProofOfDelivery
from schemas.recommendation import Effect, PolicyRule
from schemas.recommendation import RecommendedAction as Act
from tests.factories import NOW, WEIGHED
from tests.unit.carriers.properties import sample
from tests.unit.policy.builders import RECEIVED_AT, dispute, snapshot

KETTLE_MISSING = (MissingItem(sku="sku-kettle", quantity=1),)  # 1 150 g


def fedex_proof(name: str, number: str) -> ProofOfDelivery:
    return parse_track_response(HttpResponse(200, {}, sample("fedex", name)), number, RECEIVED_AT)


def kettle_claimed(proof: ProofOfDelivery, declared: int) -> Dispute:
    """The kettle claimed missing from a shipment whose whole weight the seller declared as `declared` grams."""
    order = snapshot().model_copy(update={"items": WEIGHED, "declared_weight_grams": declared})
    return dispute(Evidence(key="ev-fedex", proof=proof)).model_copy(update={
        "order": order, "claim": Claim.MISSING_ITEMS, "missing_items": list(KETTLE_MISSING),
    })


def test_one_package_of_two_weighed_against_the_whole_shipment_goes_to_a_person_and_says_so() -> None:
    # track-multi-package.json: 738488882438 is package 1 of 2 ("count": "2"), weighed 13.06 KG; both packages
    # weigh 13.06 KG, so the shipment arrived complete at 26 120 g, as declared
    proof = fedex_proof("track-multi-package.json", "738488882438")

    advice = recommend(kettle_claimed(proof, declared=26_120), CustomerHistory(), NOW, PolicySettings())

    assert (advice.action, advice.rule, advice.auto_resolve, advice.lines) == (
        Act.NEEDS_PERSON, PolicyRule.MISSING_ITEMS_REVIEW, False, []
    )
    weight = advice.findings[0]
    assert (weight.code, weight.effect, weight.facts) == (
        "carrier_weight_one_package", Effect.NEUTRAL, {"carrier_grams": 13_060, "packages": 2}
    )
    assert weight.text == (
        "The carrier weighed 1 package of 2 in the shipment at 13,060 g: one package's weight is not compared with "
        "the whole shipment's, a person decides"
    )
    assert weight.text_tr == (
        "Kargo firması gönderideki 2 paketten birini 13.060 g olarak tarttı: tek paketin ağırlığı tüm gönderinin "
        "ağırlığıyla karşılaştırılmaz, bir kişi karar verir"
    )


def test_a_one_package_shipment_s_weight_is_still_compared_with_the_declared_weight() -> None:
    # track-delivered.json: "count": "1", 13.06 KG
    proof = fedex_proof("track-delivered.json", "738488882438")

    advice = recommend(kettle_claimed(proof, declared=14_400), CustomerHistory(), NOW, PolicySettings())

    assert (advice.action, advice.rule, advice.auto_resolve) == (Act.REFUND, PolicyRule.PACKED_UNDERWEIGHT, True)
    assert (advice.findings[0].code, advice.findings[0].facts["carrier_grams"]) == ("weight_below_declared", 13_060)


def test_a_weight_stored_before_package_counts_were_read_goes_to_a_person() -> None:
    # a FedEx proof stored before the mapping read packageDetails.count: its weight may be one package's of several
    stored = fedex_proof("track-delivered.json", "738488882438").model_copy(update={"package_count": None})

    advice = recommend(kettle_claimed(stored, declared=14_400), CustomerHistory(), NOW, PolicySettings())

    assert (advice.action, advice.auto_resolve, advice.lines) == (Act.NEEDS_PERSON, False, [])
    assert (advice.findings[0].code, advice.findings[0].facts) == (
        "carrier_weight_packages_unknown", {"carrier_grams": 13_060}
    )


def test_a_count_of_one_that_the_reply_s_other_packages_belie_is_not_taken_for_one_package() -> None:
    # track-delivered.json's count "1", in a reply that also describes package 2 of the shipment (as
    # track-multi-package.json does)
    other = fedex_proof("track-multi-package.json", "738488882438").packages
    proof = fedex_proof("track-delivered.json", "738488882438").model_copy(update={"packages": other})

    advice = recommend(kettle_claimed(proof, declared=14_400), CustomerHistory(), NOW, PolicySettings())

    assert (advice.action, advice.auto_resolve) == (Act.NEEDS_PERSON, False)
    assert (advice.findings[0].code, advice.findings[0].facts["packages"]) == ("carrier_weight_one_package", 2)
