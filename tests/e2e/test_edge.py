"""Every answer of the app passes the edge (`adapters.web.edge`): its routes are put behind it one by one rather
than through aiohttp's middlewares, so the files, the console's and what no route takes must pass it as well."""

import json
from functools import partial

from adapters.web.edge import edge
from tests.e2e.conftest import INVESTIGATOR, SUPERVISOR
from tests.e2e.test_access_and_bad_input import assert_problem


def request_lines(log_audit) -> list[tuple[str, int]]:
    """(route, status) of each request line production logging wrote so far."""
    lines = [json.loads(line) for line in log_audit.getvalue().splitlines()]
    return [(line["route"], line["status"]) for line in lines if line["event"] == "request"]


async def test_every_route_of_the_app_is_behind_the_edge(api):
    assert (await api.get("/healthz")).headers["X-Request-ID"]
    routes = list(api.server.app.router.routes())
    assert len(routes) > 50
    for route in routes:
        assert isinstance(route.handler, partial) and route.handler.func is edge, route


async def test_files_are_served_behind_the_edge_with_their_type(api, log_audit):
    css = await api.get("/docs/static/swagger-ui.css", headers={"X-Request-ID": "files-1"})
    script = await api.get("/console/static/console.js")
    assert css.status == 200 and css.content_type == "text/css" and b"swagger-ui" in await css.read()
    assert css.headers["X-Request-ID"] == "files-1"
    assert script.status == 200 and script.content_type in ("text/javascript", "application/javascript")
    assert "X-Request-ID" in script.headers
    assert request_lines(log_audit) == [("/docs/static/{name}", 200), ("/console/static/{name}", 200)]
    head = await api.head("/docs/static/swagger-ui.css")
    assert head.status == 200 and await head.read() == b"" and int(head.headers["Content-Length"]) > 1000


async def test_nothing_beside_the_listed_files_is_reachable(api):
    for path in ("/docs/static/", "/docs/static/nothing.js", "/docs/static/../ops.py", "/docs/static/%2e%2e/ops.py",
                 "/console/static/../__init__.py", "/console/static/%2E%2E%2F__init__.py", "/docs/static//etc/passwd",
                 "/console/static/..%5c__init__.py"):
        response = await api.get(path)
        await assert_problem(response, 404)
        assert "X-Request-ID" in response.headers


async def test_what_no_route_takes_is_a_problem_logged_as_unmatched(api, log_audit):
    missing = await api.get("/v2/nothing", headers={"X-Request-ID": "none-1"})
    wrong = await api.put("/v1/disputes")
    root = await api.post("/")
    unknown = await assert_problem(missing, 404)
    assert missing.headers["X-Request-ID"] == "none-1"
    no_case = await assert_problem(await api.get("/v1/disputes/dsp_nonexistent", headers=INVESTIGATOR), 404)
    assert unknown["title"] == no_case["title"] == "Not found"  # one title per type, the framework's 404 too
    await assert_problem(wrong, 405, "method-not-allowed")
    assert set(wrong.headers["Allow"].split(",")) >= {"GET", "POST", "HEAD"}
    await assert_problem(root, 404)
    assert request_lines(log_audit) == [("unmatched", 404), ("unmatched", 405), ("unmatched", 404),
                                        ("/v1/disputes/{id}", 404)]


async def test_a_push_to_a_near_miss_of_its_address_is_told_the_address_not_redirected(api):
    for path in ("/v1/carriers/ups/webhooks/", "/v1/carriers//ups/webhooks", "/V1/Carriers/UPS/Webhooks",
                 "/carriers/ups/webhooks", "/v1/carriers/ups/webhook"):
        response = await api.post(path, json={}, allow_redirects=False)
        problem = await assert_problem(response, 404, "not-found")
        assert "POST requests go to /v1/carriers/ups/webhooks " in problem["detail"], (path, problem)
        assert "reason" not in problem and "Location" not in response.headers
    odd = await assert_problem(await api.post("/v1/carriers/<b>/webhooks/", json={}), 404, "not-found")
    assert "/v1/carriers/{carrier}/webhooks " in odd["detail"] and "<b>" not in odd["detail"]
    assert "detail" not in await assert_problem(await api.post("/v1/nothing/"), 404, "not-found")


async def test_a_near_miss_names_an_id_back_as_it_was_sent_capitals_and_all(api):
    assert (await api.get("/v1/customers/Cust-ABC/disputes", headers=SUPERVISOR)).status == 200
    for path, address in (("/v1/customers/Cust-ABC/disputes/", "/v1/customers/Cust-ABC/disputes"),
                          ("/V1/Customers/Cust-ABC/Disputes", "/v1/customers/Cust-ABC/disputes"),
                          ("/v1/staff/Inv-Ayse/", "/v1/staff/Inv-Ayse")):
        problem = await assert_problem(await api.get(path, headers=SUPERVISOR), 404, "not-found")
        assert f"GET requests go to {address} " in problem["detail"], (path, problem)
