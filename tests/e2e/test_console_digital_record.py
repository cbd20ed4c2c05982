"""A digital order's case page in the console shows the provider's delivery record of each line (where the code or
link was sent, as the provider masks it, by which channel, when, opened, activated) in place of a carrier's proof,
in English and in Turkish, and its findings link to it."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.test_console import staff
from tests.e2e.test_digital_goods import (  # noqa: F401  (fixtures)
    advised, evidence_interval, open_case, orders_document, sandbox,
)

pytestmark = pytest.mark.asyncio

MASKED = "a***@example.com"  # the provider sandbox's recipient for a scripted line, as it masks it
ISTANBUL = ZoneInfo("Europe/Istanbul")


def local(instant: str) -> str:
    """An ISO instant as a person in Istanbul reads it, day first (the console's way)."""
    return f"{datetime.fromisoformat(instant).astimezone(ISTANBUL):%d.%m.%Y %H:%M}"


def section(page: str, heading: str) -> str:
    start = page.index(f'id="{heading}"')
    return page[start:page.index("</section>", start)]


async def shown(api, dispute_id: str, lang: str) -> str:
    answer = await api.get(f"/console/disputes/{dispute_id}",
                           headers={"Cookie": staff()["Cookie"] + f"; console_lang={lang}"})
    assert answer.status == 200
    return await answer.text()


async def test_an_activated_code_s_delivery_record_is_shown_in_place_of_a_carrier_s_proof(api):
    dispute = await open_case(api, "ord-d1")  # scripted "activated" by e-mail in the provider sandbox
    case = await advised(api, dispute["id"], "digital_activated")
    [record] = case["digital_deliveries"]
    sent, opened, activated = (local(record[k]) for k in ("sent_at", "opened_at", "activated_at"))

    english = await shown(api, dispute["id"], "en")
    proof = section(english, "proof-h")
    assert "No proof from the carrier yet." not in english
    assert "Provider&#39;s delivery record" in proof and "sku-steam" in proof
    assert MASKED in proof and "by e-mail" in proof
    for label, when in (("Sent", sent), ("Opened", opened), ("Activated", activated)):
        assert re.search(rf"<dt>{label}</dt><dd>{re.escape(when)} Istanbul</dd>", proof), (label, proof)
    assert "in the message" in proof  # the code or link was in what was sent
    assert 'id="map-h"' not in english  # no delivery scan to place on a map
    findings = section(english, "findings-h")
    assert 'href="#delivery-record"' in findings and 'id="delivery-record"' in english

    turkish = await shown(api, dispute["id"], "tr")
    proof = section(turkish, "proof-h")
    assert "Kargo firmasından henüz kanıt gelmedi." not in turkish
    assert "Sağlayıcının teslimat kaydı" in proof and "etkinleştirildi" in proof and "e-posta ile" in proof
    assert MASKED in proof
    for label, when in (("Gönderildi", sent), ("Açıldı", opened), ("Etkinleştirildi", activated)):
        assert re.search(rf"<dt>{label}</dt><dd>{re.escape(when)} TSİ</dd>", proof), (label, proof)


async def test_a_code_never_sent_says_the_provider_has_no_record_of_sending_it(api):
    dispute = await open_case(api, "ord-d2")  # the gift card was never sent: the provider answers 404
    await advised(api, dispute["id"], "digital_not_delivered")
    proof = section(await shown(api, dispute["id"], "en"), "proof-h")
    assert "sku-gift" in proof and "never sent" in proof
    assert "The provider has no record of sending the code or link." in proof
