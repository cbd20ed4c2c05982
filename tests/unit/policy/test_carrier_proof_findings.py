"""What carriers really send, as the policy reads it: masked names, proof a carrier never supplies, proof it
sent that could not be used, and status codes nobody has mapped yet."""

from dataclasses import replace

from disputes.policy import CustomerHistory, PolicySettings, recommend
from disputes.policy.findings import name_finding, not_delivered_finding, photo_finding, signature_finding
from disputes.policy.names import name_similarity, name_words
from disputes.policy.reading import read_proof
from schemas.proof import NoteCode, ProofNote, ProofOffer, ProofStatus
from schemas.recommendation import Effect
from schemas.recommendation import RecommendedAction as Act
from tests.factories import NOW
from tests.unit.policy.builders import dispute, evidence

SETTINGS = PolicySettings()
NAME_ONLY = ProofOffer(signature=False, photo=False, gps=False, place_text=False, receiver_name=True, masked_names=True)


def test_a_masked_name_is_read_on_its_visible_part_only() -> None:
    assert name_words("GAYE Ü***") == ("gaye", "u*")
    assert name_words("AY*** YIL***  ***") == ("ay*", "yil*")
    assert name_similarity("GAYE Ü***", "Gaye Ünal") == 80  # as "Gaye Ü." would: a first name and an initial
    assert name_similarity("GAYE Ü***", "Gaye Yılmaz") == 0  # the visible initial fits no surname
    assert name_similarity("*** ***", "Gaye Ünal") == 0


def test_a_masked_name_that_matches_says_so_and_counts_as_weaker_evidence() -> None:
    masked = name_finding(evidence(received_by="AYŞE YIL***"), dispute().order, SETTINGS)
    assert (masked.code, masked.effect) == ("recipient_name_matches_masked", Effect.SUPPORTS_DELIVERY)
    assert "masked by the carrier" in masked.text and "visible part only" in masked.text
    assert masked.text_tr.startswith("Teslim alan adı 'AYŞE YIL***' (kargo firması tarafından maskelenmiş) yalnızca ")
    whole = read_proof(dispute(evidence(received_by="Ayşe Yılmaz")), SETTINGS)
    partial = read_proof(dispute(evidence(received_by="AYŞE YIL***")), SETTINGS)
    assert whole is not None and partial is not None and partial.strength < whole.strength


def test_a_masked_visible_part_that_matches_nobody_speaks_against_delivery() -> None:
    finding = name_finding(evidence(received_by="GAYE Ü***"), dispute().order, SETTINGS)
    assert (finding.code, finding.effect) == ("recipient_name_mismatch", Effect.AGAINST_DELIVERY)


def test_a_masked_name_alone_never_supports_a_rejection() -> None:
    alone = dispute(evidence(received_by="AYŞE Y***", signature=False, photo=False, metres=None, offer=NAME_ONLY))
    advice = recommend(alone, CustomerHistory(), NOW, replace(SETTINGS, auto_reject_enabled=True))
    assert advice.action is not Act.REJECT


def test_proof_a_carrier_never_supplies_is_told_apart_from_proof_withheld() -> None:
    never = evidence(signature=False, photo=False, offer=NAME_ONLY)
    assert signature_finding(never).code == "signature_not_offered"
    assert "never supplies" in photo_finding(never).text
    assert photo_finding(never).text_tr == (
        "Teslimat fotoğrafı yok: bu kargo firması bu kanaldan hiç fotoğraf sağlamıyor"
    )
    withheld = evidence(signature=False, photo=False, offer=NAME_ONLY.model_copy(update={"signature": True}))
    assert signature_finding(withheld).code == "signature_missing"
    assert photo_finding(evidence(photo=False)).code == "photo_missing"  # nothing known of the carrier


def test_proof_the_carrier_sent_but_could_not_be_used_is_a_finding_that_says_why() -> None:
    note = ProofNote(code=NoteCode.ATTACHMENT_DROPPED, field="deliveryPhoto.photo", reason="only 4 bytes: a placeholder")
    reading = read_proof(dispute(evidence(notes=(note,))), SETTINGS)
    assert reading is not None
    dropped = [f for f in reading.findings if f.code == "carrier_attachment_dropped"]
    assert [(f.effect, f.text, f.text_tr) for f in dropped] == [(
        Effect.NEUTRAL, "Carrier proof not usable (deliveryPhoto.photo): only 4 bytes: a placeholder",
        "Kargo firmasının gönderdiği bir görsel ya da belge kullanılamadı",
    )]


def test_a_field_the_carrier_filled_unreadably_is_said_in_turkish_without_the_carriers_english() -> None:
    note = ProofNote(code=NoteCode.FIELD_UNREADABLE, field="dongu.ITARIH", reason="a movement's date could not be read")
    reading = read_proof(dispute(evidence(notes=(note,))), SETTINGS)
    assert reading is not None
    unreadable = [f for f in reading.findings if f.code == "carrier_field_unreadable"]
    assert [(f.text, f.text_tr) for f in unreadable] == [(
        "Carrier proof not usable (dongu.ITARIH): a movement's date could not be read",
        "Kargo firmasının kaydındaki bir bilgi okunamadı",
    )]


def test_an_unknown_carrier_status_is_shown_with_the_carriers_code() -> None:
    unknown = evidence(status=ProofStatus.UNKNOWN, status_code="ZX9")
    finding = not_delivered_finding([unknown])
    assert finding is not None and "carrier code ZX9" in finding.text
    assert finding.text_tr == (
        "Kargo firmasının son bildirdiği durum 'bilinmiyor: kargo firmasının kodu ZX9', 'teslim edildi' değil"
    )
