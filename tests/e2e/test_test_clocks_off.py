"""Production settings: test clocks are off, absent from the API and from its document."""

from tests.e2e.conftest import CUSTOMER, INVESTIGATOR


async def test_without_the_sandbox_setting_the_clock_endpoints_do_not_exist(api):
    for method, path in (("POST", "/v1/test-clocks"), ("GET", "/v1/test-clocks/clk_1"),
                         ("POST", "/v1/test-clocks/clk_1/advance"), ("POST", "/v1/test-clocks/clk_1/disputes")):
        for headers in (CUSTOMER, INVESTIGATOR):
            answer = await api.request(method, path, json={}, headers=headers)
            assert answer.status == 404, (method, path)
    document = await (await api.get("/openapi.json")).json()
    assert not [path for path in document["paths"] if "clock" in path]
    assert not [name for name in document["components"]["schemas"] if "Clock" in name]

