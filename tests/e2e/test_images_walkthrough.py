"""README's images walkthrough, pasted as written: the line that reads the case's recommendation waits for it (the
carrier's proof is pulled and assessed a moment after the opening), and prints it once it is there."""

import asyncio
import os
from pathlib import Path

import pytest
from aiohttp import web

README = Path(__file__).resolve().parents[2] / "README.md"
CASE = "dsp_walkthrough"
TOKEN = "investigator-token"


@pytest.fixture(autouse=True)
def log_audit():
    """No service runs here (a stand-in answers the walkthrough's reads): no log to audit."""
    yield


def waiting_lines() -> str:
    """The walkthrough's lines from the comment before the read of the recommendation to the assignment."""
    section = README.read_text().split("### Explanations and images from the customer", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    start = block.index("# within seconds the proof and the recommendation")
    return block[start:block.index("VERSION=", start)]


async def test_the_walkthrough_waits_for_the_recommendation_and_prints_it(aiohttp_server):
    reads: list[str] = []

    async def case(request: web.Request) -> web.Response:
        assert request.match_info["id"] == CASE and request.headers["Authorization"] == f"Bearer {TOKEN}"
        reads.append(request.method)
        assessed = len(reads) > 2  # opened: no proof yet, then a provisional recommendation, then the assessment
        recommendation = {"action": "reject", "rule": "signed_delivery"} if len(reads) > 1 else None
        return web.json_response({"id": CASE, "recommendation": recommendation,
                                  "recommendation_provisional": not assessed, "needs_supervisor": False})

    app = web.Application()
    app.router.add_get("/v1/disputes/{id}", case)
    server = await aiohttp_server(app)
    env = os.environ | {"API": str(server.make_url("")).rstrip("/"), "ID": CASE, "INVESTIGATOR": TOKEN}
    shell = await asyncio.create_subprocess_exec(
        "bash", "-c", waiting_lines(), env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(shell.communicate(), timeout=60)
    assert (out.decode(), err.decode(), shell.returncode) == ("reject False\n", "", 0)
    assert reads == ["GET"] * 3  # read until assessed, and no more
