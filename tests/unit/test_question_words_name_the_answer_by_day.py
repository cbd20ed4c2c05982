"""A question to the customer says by when to answer, and that without an answer by that day the case goes on with
what it has (`Dispute.information_request_expired` closes the question then): the sentence names the day to answer
by, not the later decision date it follows."""

from tests.factories import CUSTOMER, INVESTIGATOR


async def test_the_question_says_the_case_goes_on_without_an_answer_from_the_day_to_answer_by(service, request_for):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    asked = await service.request_information(INVESTIGATOR, dispute.id, "Komşunuza sordunuz mu?")

    told = next(m.payload for m in asked.outbox if m.payload.get("template") == "information_requested")
    # Asked Wed 18.11.2026: answer by the end of Fri 20.11 (2 business days); the decision moved on by the wait, 26.11.
    assert told["message_en"] == (
        'Our investigator asks: "Komşunuza sordunuz mu?" Please answer by 20.11.2026. While we wait for you, the time '
        "to decide stops; we will answer by 26.11.2026 at the latest. Without an answer by 20.11.2026, we go on with "
        "what we have."
    )
    assert told["message"] == (
        'Uzmanımız soruyor: "Komşunuza sordunuz mu?" Lütfen 20.11.2026 tarihine kadar yanıtlayın. Yanıtınızı beklerken '
        "karar süresi durur; en geç 26.11.2026 tarihinde yanıt vereceğiz. 20.11.2026 tarihine kadar yanıt gelmezse "
        "elimizdeki bilgilerle devam ederiz."
    )
