"""An API process without workers reads every carrier push, so its /metrics counts what the pushes held that could
not be read: a DHL push entry skipped beside a readable one shows there, not only in a worker's metrics."""

import json
import re

from tests.bursts import dhl_push
from tests.e2e.test_partner_webhooks import memory_app

DHL_TOKEN = "dhl-webhook-token-0123456789abcdef"
SKIPPED = re.compile(r'^disputes_carrier_push_entries_skipped_total\{carrier="dhl"\} (\S+)$', re.MULTILINE)


async def skipped(api) -> float:
    metrics = await (await api.get("/metrics")).text()
    assert "# TYPE disputes_carrier_unmapped_statuses_total counter" in metrics  # pushes' unknown codes, counted here
    found = SKIPPED.search(metrics)
    return float(found[1]) if found else 0.0


async def test_an_api_process_counts_the_push_entries_it_skipped(aiohttp_client, tmp_path) -> None:
    dhl = {"base_url": "http://127.0.0.1:9", "api_key": "e2e", "webhook_token": DHL_TOKEN}
    api = await memory_app(aiohttp_client, tmp_path, carriers={"dhl": dhl})
    body = json.loads(dhl_push(1))
    body["shipments"].append({"id": "4100000000", "events": "not a list"})  # DHL's shape has a list here
    before = await skipped(api)

    answer = await api.post("/v1/carriers/dhl/webhooks", data=json.dumps(body),
                            headers={"X-Webhook-Token": DHL_TOKEN, "Content-Type": "application/json"})

    assert answer.status == 200, await answer.text()
    assert await skipped(api) == before + 1
