"""Long text on a case page, in headless chromium: a long link in a message or a note without a space wraps within
the page at a phone's width (no sideways scrolling at 390 px), and messages, questions and notes keep the lines
they were written in."""

import pytest

from schemas.common import Role
from tests.browser.conftest import Running
from tests.browser.test_console import WIDEST, WIDER_THAN_390, opened_with_proof, sign_in
from tests.e2e.conftest import SUPERVISOR, bearer
from tests.factories import order, shipment

pytestmark = pytest.mark.asyncio(loop_scope="module")

PLACED = order("ord-l1", customer_id="cust-l1", shipments=[shipment("shp-l1", carrier="surat")])
CUSTOMER = bearer(Role.CUSTOMER, "cust-l1", "cust-l1")
LINK = "https://example.com/takip?" + "kargo=" * 52  # 338 characters, no space
WRITTEN = {  # (the API's path, the field, who writes it) → what they write, on lines of its own
    ("messages", "text", "customer"): f"Kargo bu bağlantıda:\n{LINK}",
    ("messages", "text", "staff"): "Merhaba,\nkapıcıya sorabilir misiniz?",
    ("information-requests", "question", "staff"): "Paketi kim teslim aldı?\nKomşunuz mu, kapıcı mı?",
    ("notes", "text", "staff"): f"Kargo aradı.\n{'x' * 3000}",
}


@pytest.fixture(scope="module")
def browser_cases():
    return [(PLACED, "delivered", "Ayşe Yılmaz")]


async def written_case(app: Running) -> str:
    dispute_id = await opened_with_proof(app, PLACED)
    for (path, field, who), text in WRITTEN.items():
        async with app.session.post(f"{app.url}/v1/disputes/{dispute_id}/{path}", json={field: text},
                                    headers=CUSTOMER if who == "customer" else SUPERVISOR) as response:
            assert response.status in (200, 201), await response.text()
    return dispute_id


async def test_long_words_wrap_at_390_px_and_messages_questions_and_notes_keep_their_lines(page, console_app):
    dispute_id = await written_case(console_app)
    await sign_in(page, console_app)
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto(f"{console_app.url}/console/disputes/{dispute_id}")
    assert await page.evaluate(WIDEST) <= 390, await page.evaluate(WIDER_THAN_390)
    shown = await page.locator(".message p, .note p").all_inner_texts()
    assert sorted(shown) == sorted(WRITTEN.values())  # each line break where it was written, and nowhere else
