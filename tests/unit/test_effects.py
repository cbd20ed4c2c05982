"""Effect payloads written out without their models are what the models would make of the same values."""

from typing import get_args

from hypothesis import given
from hypothesis import strategies as st

from schemas.common import Outcome
from schemas.effects import CustomerNotification, NotificationTemplate, notification_json
from tests.factories import CUSTOMER

text = st.none() | st.text(max_size=20)


def test_a_notification_of_an_opening_reads_as_the_notification_service_expects() -> None:
    payload = notification_json(dispute_id="dsp_1", customer_id="cus_1", template="dispute_opened")

    assert payload == {
        "dispute_id": "dsp_1", "customer_id": "cus_1", "template": "dispute_opened", "outcome": None,
        "reason": None, "partial": False, "message": None, "message_en": None, "written_only": False,
    }


@given(
    template=st.sampled_from(get_args(NotificationTemplate)),
    outcome=st.none() | st.sampled_from(Outcome),
    reason=text,
    partial=st.booleans(),
    message=text,
    message_en=text,
    written_only=st.booleans(),
)
def test_a_notification_written_out_is_its_model_s_json_form(
    template: NotificationTemplate, outcome: Outcome | None, reason: str | None, partial: bool, message: str | None,
    message_en: str | None, written_only: bool,
) -> None:
    values = dict(dispute_id="dsp_1", customer_id="cus_1", template=template, outcome=outcome, reason=reason,
                  partial=partial, message=message, message_en=message_en, written_only=written_only)

    payload = notification_json(**values)  # type: ignore[arg-type]

    dumped = CustomerNotification.model_validate(values).model_dump(mode="json")
    assert list(payload.items()) == list(dumped.items())  # the same fields, values and order
    assert CustomerNotification.model_validate(payload) == CustomerNotification.model_validate(values)


async def test_the_notification_a_dispute_queues_as_it_opens_is_one_the_relay_can_read(service, request_for, repository):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute

    [message] = repository.docs[dispute.id].outbox
    notice = CustomerNotification.model_validate(message.payload)
    assert (notice.dispute_id, notice.customer_id, notice.template) == (dispute.id, CUSTOMER.customer_id, "dispute_opened")
    assert notice.outcome is None and not notice.written_only
