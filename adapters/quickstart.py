"""What the embedded default prints once it listens: where, and how to try it."""

from datetime import timedelta
from pathlib import Path

from adapters.demo import Journey
from adapters.settings import Settings
from adapters.web.auth import HmacTokens
from schemas.common import Role


def banner(settings: Settings, sandbox_url: str, carriers_url: str, data_dir: Path, journey: Journey) -> str:
    """`journey`: the order the journey disputes and its customer, new at every start (its case ends decided)."""
    tokens = HmacTokens.from_settings(settings)
    hours = tokens.default_ttl / timedelta(hours=1)
    customer = tokens.mint(journey.customer_id, Role.CUSTOMER, journey.customer_id)
    investigator = tokens.mint("inv-ayse", Role.INVESTIGATOR)
    supervisor = tokens.mint("sup-zeynep", Role.SUPERVISOR)
    agent = tokens.mint("agent-elif", Role.AGENT)
    finance = tokens.mint("fin-ledger", Role.FINANCE)
    base = f"http://{settings.host}:{settings.port}"
    return f"""
Dispute service (embedded default) is running.
  API        {base}/v1
  Docs       {base}/docs        OpenAPI: {base}/openapi.json
  Console    {base}/console     (investigators and supervisors: sign in with a token below, or {base}/console/dev-sign-in)
  Health     {base}/healthz     {base}/readyz
  Database   mongoeco on {data_dir}/disputes.sqlite ({settings.mongodb_uri})
  Sandbox    {sandbox_url}  (orders, payments, fulfillment, notifications; POST /_sandbox/orders, GET /_sandbox/received)
  Carriers   {carriers_url}  (each carrier in its own wire format; GET /_sandbox/shipments, POST /_sandbox/push;
             your scripts: `./dev sandbox-shipment --help`; kept across restarts in {data_dir}/carrier-scripts.json)
  Clocks     {base}/v1/test-clocks  (test clocks: open cases on a clock and advance it past their deadlines)
  Orders     {data_dir}/orders.json  (the demo's, and your own: `./dev sandbox-order --help`; kept across restarts)

Tokens ({hours:g} h; mint more with `./dev token --role customer --sub cust-1001`, `--role investigator --sub inv-mehmet`):
  export CUSTOMER={customer}        # {journey.customer_id}, this start's journey customer
  export INVESTIGATOR={investigator}
  export SUPERVISOR={supervisor}
  export AGENT={agent}        # customer service: opens for a customer ("customer_id", "channel": "phone")
  export FINANCE={finance}      # the reports and the money ledger only: {base}/v1/reports/ledger?decided_from=…&decided_to=…
  export API={base} SANDBOX={sandbox_url} CARRIERS={carriers_url}   # README's walkthroughs use these

Try it (bash):
  # the customer reports order {journey.order_id} (FedEx) as not received
  ID=$(curl -s -X POST {base}/v1/disputes -H "Authorization: Bearer $CUSTOMER" -H 'Content-Type: application/json' \\
       -H 'Idempotency-Key: {journey.order_id}' \\
       -d '{{"order_id":"{journey.order_id}","statement":"Teslim edildi görünüyor ama elime ulaşmadı.","preferred_resolution":"refund"}}' \\
       | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  # within seconds the carrier's proof is on the case, with the policy's recommendation and its findings
  curl -s {base}/v1/disputes/$ID -H "Authorization: Bearer $INVESTIGATOR" | python3 -m json.tool
  # what the customer sees: the next step, in English and Turkish
  curl -s {base}/v1/disputes/$ID -H "Authorization: Bearer $CUSTOMER" | python3 -m json.tool
  # the investigator's queue; take the case, then decide quoting the version you reviewed (If-Match)
  curl -s {base}/v1/disputes -H "Authorization: Bearer $INVESTIGATOR"
  VERSION=$(curl -s -X POST {base}/v1/disputes/$ID/assign -H "Authorization: Bearer $INVESTIGATOR" \\
       | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
  curl -s -X POST {base}/v1/disputes/$ID/decision -H "Authorization: Bearer $INVESTIGATOR" -H "If-Match: \\"$VERSION\\"" \\
       -H 'Content-Type: application/json' \\
       -d '{{"outcome":"refund","reason_code":"weak_proof","note":"Signed for, but no scan position to place the delivery at the address."}}'
  # the refund and the customer's messages arrive downstream, once each
  curl -s {sandbox_url}/_sandbox/received | python3 -m json.tool
  # supervisors: the staff directory; many cases to one investigator at once (each reported: this one is decided)
  curl -s {base}/v1/staff -H "Authorization: Bearer $SUPERVISOR"
  curl -s -X POST {base}/v1/disputes/assign -H "Authorization: Bearer $SUPERVISOR" -H 'Content-Type: application/json' \\
       -d "{{\\"dispute_ids\\":[\\"$ID\\"],\\"assignee\\":\\"inv-mehmet\\"}}"
  # staff reports
  curl -s "{base}/v1/reports/carriers?from=2026-01-01&to=2027-01-01" -H "Authorization: Bearer $SUPERVISOR"

Stop with Ctrl-C; data stays in {data_dir}.
"""
