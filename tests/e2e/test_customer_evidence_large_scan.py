"""A customer's scan too large to keep as written is kept within the limit, through the running app. On a stand-in
database of its own: storing a copy of 8 MiB takes it seconds (MongoDB: milliseconds), and the suite's shared one is
kept for the rest."""

import random
from collections.abc import Iterator
from io import BytesIO

import pytest
from PIL import Image

from adapters.mongo.embedded import EmbeddedMongo
from tests.e2e.conftest import CUSTOMER
from tests.e2e.test_customer_evidence import form, opened, store


@pytest.fixture(scope="module")
def mongo_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with EmbeddedMongo(tmp_path_factory.mktemp("mongo-large-scan")) as server:
        yield server.uri


# Past the request's default 3 s on the stand-in database.
@pytest.mark.parametrize("app_changes", [{"mongodb_request_timeout_seconds": 30.0, "mongodb_timeout_seconds": 30.0}])
async def test_a_scan_sent_at_a_low_quality_within_the_limit_is_kept_within_it(api):
    """A 16.7 MP CMYK JPEG at quality 1, as print workflows write them: 8 MiB sent, about 26 MiB at quality 90,
    past what one stored document holds."""
    limit = 10 * 2**20  # README: 10 MiB an image, sent and kept
    out = BytesIO()
    Image.frombytes("CMYK", (4096, 4096), random.Random(3).randbytes(4096 * 4096 * 4)).save(out, "JPEG", quality=1)
    assert len(out.getvalue()) <= limit
    one = await opened(api)

    added = await api.post(one + "/information", data=form("Tarayıcıdan kapının fotoğrafı.",
                                                           ("kapi.jpg", out.getvalue(), "image/jpeg")), headers=CUSTOMER)

    assert added.status == 201, await added.text()
    [image] = (await added.json())["customer_evidence"][0]["images"]
    media_type, kept = await store(api).attachment(image["ref"])
    assert media_type == "image/jpeg" and len(kept) <= limit and Image.open(BytesIO(kept)).mode == "CMYK"
