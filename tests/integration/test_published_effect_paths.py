"""Each message the outbox sends is posted where the partners' OpenAPI document (`webhooks`) says it is: the
clients post to a server that records each path, and the document's summary of each kind names that path."""

import re

import aiohttp
from aiohttp import web
from pydantic import BaseModel

from adapters.bootstrap import ENDPOINTS, OPS_ENDPOINTS
from adapters.downstream import (
    AccountsClient,
    EffectClient,
    FinanceClient,
    FulfillmentClient,
    NotificationsClient,
    PaymentsClient,
)
from adapters.web.openapi import build_openapi
from schemas.dispute import EffectKind
from schemas.effects import (
    AccountRestriction,
    CarrierLiability,
    CustomerNotification,
    CustomerRisk,
    RefundRequest,
    ReshipRequest,
    StaffAlert,
)
from tests.integration.test_downstream import FAST, SIGNER

SENDS: dict[EffectKind, tuple[type[EffectClient], str, type[BaseModel]]] = {  # what the relay calls for each kind
    EffectKind.REFUND: (PaymentsClient, "refund", RefundRequest),
    EffectKind.RESHIP: (FulfillmentClient, "reship", ReshipRequest),
    EffectKind.NOTIFICATION: (NotificationsClient, "notify", CustomerNotification),
    EffectKind.STAFF_ALERT: (NotificationsClient, "alert_staff", StaffAlert),
    EffectKind.CUSTOMER_RISK: (AccountsClient, "report_risk", CustomerRisk),
    EffectKind.ACCOUNT_RESTRICTION: (AccountsClient, "change_restriction", AccountRestriction),
    EffectKind.CARRIER_LIABILITY: (FinanceClient, "record_liability", CarrierLiability),
}


def published() -> dict[EffectKind, tuple[str, str]]:
    """Each kind's service and path, as the document's `webhooks` entry states them."""
    webhooks = build_openapi(ENDPOINTS + OPS_ENDPOINTS, "test")["webhooks"]
    stated = {kind: re.fullmatch(rf"{kind.value}: POST (/\S+) on the (\w+) service", webhooks[kind.value]["post"]["summary"])
              for kind in EffectKind}
    return {kind: (match[2], match[1]) for kind, match in stated.items() if match}


async def test_every_message_is_posted_to_the_service_and_path_the_document_publishes_for_it(aiohttp_server) -> None:
    posted: list[str] = []

    async def record(request: web.Request) -> web.Response:
        posted.append(request.path)
        return web.json_response({"id": "1", "replayed": False})

    app = web.Application()
    app.router.add_post("/{path:.*}", record)
    base = str((await aiohttp_server(app)).make_url("/"))
    sent = {}
    async with aiohttp.ClientSession() as session:
        for kind, (client, method, body) in SENDS.items():
            sender = client(session, base, 2.0, 1, signer=SIGNER, backoff=FAST)
            await getattr(sender, method)(body.model_construct(), f"key-{kind.value}")  # the path is what is checked
            sent[kind] = (client.service, posted[-1])

    assert set(SENDS) == set(EffectKind) and len(posted) == len(SENDS)
    assert sent == published()
