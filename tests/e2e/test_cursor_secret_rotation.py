"""Rotating DISPUTES_JWT_SECRET (the page-cursor key in production) over API instances restarted one by one behind
one load balancer: with the new secret accepted everywhere before any instance signs with it, a cursor handed out by
an instance on either secret pages on the other, and the console's and clients' paging never breaks."""

import json
import uuid

from adapters.bootstrap import create_app
from tests.e2e.conftest import app_settings, e2e_orders, served
from tests.identity_provider import AUDIENCE, ISSUER, JWKS_PATH, IdentityProvider

OLD = "cursor-secret-OLD-0123456789abcdef0123456789"
NEW = "cursor-secret-NEW-0123456789abcdef0123456789"
HISTORY = "/v1/customers/cust-1/disputes"  # a customer's history: cursors of their own


async def test_a_cursor_from_an_instance_on_either_secret_pages_on_the_other_during_the_rotation(
    aiohttp_client, aiohttp_server, sandbox, mongo_uri, tmp_path,
):
    provider = IdentityProvider.with_keys()  # production: tokens from the identity provider, the secret signs cursors
    jwks = str((await aiohttp_server(provider.app())).make_url(JWKS_PATH))
    customer = {"Authorization": "Bearer " + provider.token("rsa-1", sub="cust-1", role="customer", customer_id="cust-1")}
    investigator = {"Authorization": "Bearer " + provider.token("rsa-1", sub="inv-ayse", role="investigator")}
    orders = tmp_path / "orders.json"
    orders.write_text(json.dumps(e2e_orders()))
    database = f"e2e_rotation_{uuid.uuid4().hex[:8]}"
    downstream = str(sandbox.make_url("/")).rstrip("/")
    instances = []
    # the new secret accepted by the instance still signing with the old one; the old one by the restarted instance
    for secret, accepted in ((OLD, NEW), (NEW, OLD)):
        settings = app_settings(mongo_uri, database, orders, downstream, jwt_secret=secret, jwt_accepted_secret=accepted,
                                run_workers=False, jwt_jwks_url=jwks, jwt_issuer=ISSUER, jwt_audience=AUDIENCE)
        instances.append(await aiohttp_client(await served(create_app(settings), settings)))
    for order_id in ("ord-1", "ord-2", "ord-6"):
        body = {"order_id": order_id, "statement": "Gelmedi.", "preferred_resolution": "refund"}
        assert (await instances[0].post("/v1/disputes", json=body, headers=customer)).status == 201

    for handing_out, paging in ((instances[1], instances[0]), (instances[0], instances[1])):
        first = await (await handing_out.get("/v1/disputes?limit=2", headers=investigator)).json()
        pages = [await paging.get("/v1/disputes", params={"limit": 2, "cursor": first["next_cursor"]},
                                  headers=investigator)]
        history = await (await handing_out.get(HISTORY, params={"limit": 2}, headers=investigator)).json()
        pages.append(await paging.get(HISTORY, params={"limit": 2, "cursor": history["next_cursor"]},
                                      headers=investigator))
        assert [page.status for page in pages] == [200, 200], [await page.json() for page in pages]
        assert len((await pages[0].json())["items"]) == 1 and len((await pages[1].json())["items"]) == 1
