"""The notifications service is told what a `notification` carries: which words are Turkish, which English, what
each template is and what `written_only` asks of it (docs/downstream.md is "the guide for the services that receive
them"; the OpenAPI `webhooks` section is its machine-readable contract)."""

from pathlib import Path

import pytest

from adapters.bootstrap import ENDPOINTS, OPS_ENDPOINTS
from adapters.web.openapi import build_openapi

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def notification_schema() -> dict:
    document = build_openapi(ENDPOINTS + OPS_ENDPOINTS, "test")
    body = document["webhooks"]["notification"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return document["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]


@pytest.mark.parametrize("field", ["template", "partial", "message", "message_en", "written_only"])
def test_the_webhook_describes_each_field_the_customer_s_words_depend_on(notification_schema, field) -> None:
    assert notification_schema["properties"][field].get("description"), notification_schema["properties"][field]


def test_the_receivers_guide_describes_the_notification() -> None:
    guide = (ROOT / "docs" / "downstream.md").read_text(encoding="utf-8")
    for word in ("message_en", "written_only", "partial", "check_with_third_party", "restriction_lifted"):
        assert word in guide, word


def test_the_customer_view_example_reads_as_a_case_the_service_could_show() -> None:
    """The example of `GET /v1/disputes/{id}` as the customer (and agent) side sees it: an `opened` case carries no
    decision, and its next step is one the service writes (every next step of a case under way ends with the
    answer's date: "You will have our answer by …" / "En geç … yanıt vereceğiz", disputes/next_step.py)."""
    document = build_openapi(ENDPOINTS + OPS_ENDPOINTS, "test")
    content = document["paths"]["/v1/disputes/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
    for side in ("customer", "agent"):
        example = content["examples"][side]["value"]
        assert example["status"] != "opened" or example["decision"] is None, (side, example["decision"])
        assert "answer" in example["next_step"]["en"] and "yanıt" in example["next_step"]["tr"], example["next_step"]
