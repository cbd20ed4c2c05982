"""A Python client generated from the served /openapi.json (openapi-python-client, as a partner would) runs the
whole journey: open, the carrier's proof pulled from the sandbox, assign, decide, appeal; every answer decoded
into the generated typed classes."""

import importlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from schemas.common import Role
from tests.e2e.conftest import TOKENS, eventually, orders_file_document
from tests.e2e.test_customer_evidence import form, photo
from tests.factories import order, shipment

PACKAGE = "dispute_client"
CONFIG = f"package_name_override: {PACKAGE}\nproject_name_override: dispute-client\npost_hooks: []\n"
ORDER = order("ord-g1", customer_id="cust-g", shipments=[shipment("shp-g1", carrier="ups")])
CUSTOMER_TOKEN = TOKENS.mint("cust-g", Role.CUSTOMER, "cust-g")
INVESTIGATOR_TOKEN = TOKENS.mint("inv-ayse", Role.INVESTIGATOR, None)


@pytest.fixture(scope="session")
def generate_client(tmp_path_factory: pytest.TempPathFactory) -> Callable[[dict[str, Any]], ModuleType]:
    """Generates the client package from a document once per session, and imports it."""
    made: dict[str, ModuleType] = {}

    def generate(document: dict[str, Any]) -> ModuleType:
        key = json.dumps(document, sort_keys=True)
        if key not in made:
            assert not made, "the served document changed within the session"
            root = tmp_path_factory.mktemp("generated")
            (root / "openapi.json").write_text(key)
            (root / "config.yaml").write_text(CONFIG)
            command = [str(Path(sys.executable).with_name("openapi-python-client")), "generate", "--path",
                       str(root / "openapi.json"), "--output-path", str(root / PACKAGE), "--meta", "none",
                       "--config", str(root / "config.yaml")]
            done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
            assert done.returncode == 0 and "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
            sys.path.insert(0, str(root))
            made[key] = importlib.import_module(PACKAGE)
        return made[key]

    return generate


@pytest.fixture
def orders_document() -> dict:
    return orders_file_document([ORDER])


@pytest.fixture
def app_changes() -> dict:
    """Only the pull and the assessment run often: nothing else changes the case between two steps."""
    return {f"{kind}_interval_seconds": 3600.0 for kind in ("push", "sla", "restriction")}


@pytest.fixture
def carrier_cases():
    return [(ORDER, "delivered", "Ayşe Yılmaz")]


def _module(client: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{client.__name__}.{name}")


async def test_a_generated_client_runs_the_whole_journey_with_typed_answers(api, generate_client):
    client = generate_client(await (await api.get("/openapi.json")).json())
    models, disputes = _module(client, "models"), _module(client, "api.disputes")
    for operation in ("open_dispute", "get_dispute", "assign", "decide", "appeal", "list_disputes"):
        importlib.import_module(f"{disputes.__name__}.{operation}")
    base_url = str(api.make_url("")).rstrip("/")

    async with client.AuthenticatedClient(base_url=base_url, token=CUSTOMER_TOKEN) as customer, \
            client.AuthenticatedClient(base_url=base_url, token=INVESTIGATOR_TOKEN) as investigator:
        body = models.OpenDispute(order_id="ord-g1", statement="Teslim edildi görünüyor, gelmedi.",
                                  preferred_resolution=models.Resolution.REFUND)
        opened = await disputes.open_dispute.asyncio_detailed(client=customer, body=body, idempotency_key="g-1")
        mine = opened.parsed
        assert opened.status_code == 201 and isinstance(mine, models.CustomerDisputeView), opened.content
        assert mine.status is models.Status.OPENED and mine.order.carrier == "ups" and mine.view == "customer"
        assert opened.headers["Location"] == f"/v1/disputes/{mine.id}" and opened.headers["ETag"] == f'"{mine.version}-customer"'

        async def advised():
            answer = await disputes.get_dispute.asyncio_detailed(mine.id, client=investigator)
            case = answer.parsed
            assert isinstance(case, models.DisputeView), answer.content
            ready = case.evidence and case.recommendation is not None and not case.recommendation_provisional
            return case if ready else None

        case = await eventually(advised, timeout=10)
        assert case is not None, "the carrier's proof was never pulled and assessed"
        proof = case.evidence[0].proof
        assert (proof.carrier, proof.source, proof.status) == ("ups", models.ProofSource.PULL, models.ProofStatus.DELIVERED)

        queue = await disputes.list_disputes.asyncio_detailed(
            client=investigator, status=[models.Status.APPEALED, case.status])  # a list: the key once per value
        elsewhere = await disputes.list_disputes.asyncio_detailed(
            client=investigator, status=[models.Status.APPEALED, models.Status.RESOLVED])
        assert isinstance(queue.parsed, models.DisputePageView) and [row.id for row in queue.parsed.items] == [mine.id]
        assert isinstance(elsewhere.parsed, models.DisputePageView) and elsewhere.parsed.items == []

        assigned = await disputes.assign.asyncio_detailed(mine.id, client=investigator)
        assert isinstance(assigned.parsed, models.DisputeView) and assigned.parsed.assignee == "inv-ayse"
        assert assigned.parsed.status is models.Status.UNDER_REVIEW and assigned.parsed.view == "staff"

        decision = models.DecisionRequest(
            outcome=models.Outcome.REJECTED, reason_code=models.ReasonCode.PROOF_OF_DELIVERY,
            note="İmzalı teslim, konum adreste.", override_reason="Kanıt güçlü; teslim belgelenmiş.")
        stale = await disputes.decide.asyncio_detailed(mine.id, client=investigator, body=decision, if_match='"1"')
        assert stale.status_code == 412 and isinstance(stale.parsed, models.Problem)
        assert stale.parsed.type_ == "urn:dispute-service:problem:stale-version"
        decided = await disputes.decide.asyncio_detailed(mine.id, client=investigator, body=decision,
                                                         if_match=assigned.headers["ETag"])
        assert decided.status_code == 200 and isinstance(decided.parsed, models.DisputeView), decided.content
        assert decided.parsed.status is models.Status.RESOLVED
        assert decided.parsed.decision.outcome is models.Outcome.REJECTED

        appealed = await disputes.appeal.asyncio_detailed(
            mine.id, client=customer, body=models.AppealRequest(statement="İmza bana ait değil."))
        assert appealed.status_code == 200 and isinstance(appealed.parsed, models.CustomerDisputeView), appealed.content
        assert appealed.parsed.status is models.Status.APPEALED and appealed.parsed.appeal is not None
        assert appealed.parsed.decision.outcome is models.Outcome.REJECTED

        twice = await disputes.appeal.asyncio_detailed(
            mine.id, client=customer, body=models.AppealRequest(statement="Tekrar."))
        assert twice.status_code == 409 and isinstance(twice.parsed, models.Problem)
        assert twice.parsed.type_ == "urn:dispute-service:problem:already-appealed"


async def test_a_generated_client_reads_a_broken_rule_as_its_own_problem_type_naming_the_field(api, generate_client):
    client = generate_client(await (await api.get("/openapi.json")).json())
    models = _module(client, "models")
    open_dispute = importlib.import_module(f"{client.__name__}.api.disputes.open_dispute")
    base_url = str(api.make_url("")).rstrip("/")

    async with client.AuthenticatedClient(base_url=base_url, token=CUSTOMER_TOKEN) as customer:
        body = models.OpenDispute(order_id="ord-none", statement="Gelmedi.", preferred_resolution=models.Resolution.REFUND)
        refused = await open_dispute.asyncio_detailed(client=customer, body=body)
        wrong_shipment = await open_dispute.asyncio_detailed(
            client=customer, body=models.OpenDispute(order_id="ord-g1", shipment_id="shp-other", statement="Gelmedi.",
                                                     preferred_resolution=models.Resolution.REFUND))

    assert refused.status_code == 422 and isinstance(refused.parsed, models.Problem)
    assert (refused.parsed.type_, refused.parsed.field) == ("urn:dispute-service:problem:unknown-order", "order_id")
    assert (wrong_shipment.parsed.type_, wrong_shipment.parsed.field) == (
        "urn:dispute-service:problem:unknown-shipment", "shipment_id")


async def test_a_generated_client_downloads_each_attachment_as_its_bytes(api, generate_client):
    """The carrier's proof, its raw reply (served as JSON) and the customer's image: a client generated from the
    document reads each as bytes, whatever Content-Type it is served with."""
    client = generate_client(await (await api.get("/openapi.json")).json())
    models, disputes = _module(client, "models"), _module(client, "api.disputes")
    for operation in ("open_dispute", "get_dispute", "get_attachment"):
        importlib.import_module(f"{disputes.__name__}.{operation}")
    base_url = str(api.make_url("")).rstrip("/")
    as_customer = {"Authorization": f"Bearer {CUSTOMER_TOKEN}"}
    as_investigator = {"Authorization": f"Bearer {INVESTIGATOR_TOKEN}"}

    async with client.AuthenticatedClient(base_url=base_url, token=CUSTOMER_TOKEN) as customer, \
            client.AuthenticatedClient(base_url=base_url, token=INVESTIGATOR_TOKEN) as investigator:
        body = models.OpenDispute(order_id="ord-g1", statement="Teslim edildi görünüyor, gelmedi.",
                                  preferred_resolution=models.Resolution.REFUND)
        opened = await disputes.open_dispute.asyncio_detailed(client=customer, body=body, idempotency_key="a-1")
        dispute_id = opened.parsed.id
        sent = photo()
        added = await api.post(f"/v1/disputes/{dispute_id}/information", headers=as_customer,
                               data=form("Kapının fotoğrafı.", ("kapi.jpg", sent, "image/jpeg")))
        assert added.status == 201, await added.text()
        [image] = (await added.json())["customer_evidence"][0]["images"]

        async def pulled():
            case = (await disputes.get_dispute.asyncio_detailed(dispute_id, client=investigator)).parsed
            return case if isinstance(case, models.DisputeView) and case.evidence else None

        case = await eventually(pulled, timeout=10)
        assert case is not None, "the carrier's proof was never pulled"
        proof = case.evidence[0].proof
        assert isinstance(proof.raw_ref, str)
        carriers = [a.ref for a in (proof.signature, proof.photo, proof.document) if isinstance(a, models.Attachment)]
        served = {}
        for ref in (proof.raw_ref, image["ref"], *carriers):
            plain = await api.get(f"/v1/disputes/{dispute_id}/attachments/{ref}", headers=as_investigator)
            assert plain.status == 200, await plain.text()
            served[ref] = plain.content_type
            answer = await disputes.get_attachment.asyncio_detailed(dispute_id, ref, client=investigator)
            assert answer.status_code == 200 and answer.parsed.payload.read() == await plain.read(), ref
        assert served[proof.raw_ref] == "application/json" and served[image["ref"]] == "image/jpeg"
        raw = await disputes.get_attachment.asyncio_detailed(dispute_id, proof.raw_ref, client=investigator)
        assert json.loads(raw.parsed.payload.getvalue())["carrier"] == "ups"

        own = await disputes.get_attachment.asyncio_detailed(dispute_id, image["ref"], client=customer)
        assert own.status_code == 200 and own.parsed.payload.read()[:3] == b"\xff\xd8\xff"  # a JPEG, its EXIF removed
