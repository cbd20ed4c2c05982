"""The published API document, the offline docs page, the health endpoints and the metrics."""

from openapi_spec_validator import validate

from adapters.bootstrap import ENDPOINTS


async def test_the_openapi_document_is_valid_3_1_and_lists_every_endpoint(api):
    response = await api.get("/openapi.json")
    document = await response.json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    for endpoint in ENDPOINTS:
        operation = document["paths"][endpoint.path][endpoint.method.lower()]
        assert str(endpoint.status) in operation["responses"]
        if endpoint.roles:
            assert {"401", "403"} <= set(operation["responses"])
    decision = document["paths"]["/v1/disputes/{id}/decision"]["post"]
    assert any(p["name"] == "If-Match" and p["required"] for p in decision["parameters"])
    assert "OpenDispute" in document["components"]["schemas"]


async def test_the_docs_page_and_its_assets_are_served_locally(api):
    page = await api.get("/docs")
    html = await page.text()
    assert page.status == 200 and "/docs/static/swagger-ui-bundle.js" in html and "http" not in html.split("<body>")[1]
    asset = await api.get("/docs/static/swagger-ui-bundle.js")
    assert asset.status == 200 and len(await asset.read()) > 100_000
    assert "/openapi.json" in await (await api.get("/docs/init.js")).text()


async def test_liveness_and_readiness(api):
    assert (await (await api.get("/healthz")).json()) == {"status": "ok"}
    assert (await (await api.get("/readyz")).json()) == {"status": "ready"}


async def test_metrics_count_the_apis_own_responses_with_a_bounded_set_of_labels(api):
    await api.get("/healthz")
    await api.get("/no/such/page")
    await api.request("PROPFIND", "/healthz")  # a WebDAV method the parser knows, no route takes
    metrics = await (await api.get("/metrics")).text()
    assert 'disputes_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in metrics
    assert 'disputes_http_requests_total{method="GET",route="unmatched",status="404"} 1.0' in metrics
    assert 'method="OTHER"' in metrics and "PROPFIND" not in metrics and "/no/such/page" not in metrics
    assert 'disputes_carrier_circuit_state{carrier="ups"} 0.0' in metrics  # the shared breakers, read from storage
