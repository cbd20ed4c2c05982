"""A Range no byte of an attachment satisfies (RFC 9110 §14.1.1, §15.5.17) is a 416 naming the file's size in
`Content-Range: bytes */size`, on every route that serves it: the API's and the console's, GET and HEAD alike."""

import pytest

from tests.e2e.conftest import INVESTIGATOR
from tests.e2e.test_console import staff
from tests.e2e.test_evidence_access import with_photo

PAST_THE_END = ["bytes=999999999-", "bytes=999999999-999999999", "bytes=99999999999999999999-", "bytes=-0"]


@pytest.mark.parametrize("side", ["api", "console"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("wanted", PAST_THE_END)
async def test_a_range_past_the_end_of_an_attachment_is_416_with_its_size(api, side, method, wanted):
    one, image = await with_photo(api)
    url, headers = f"{one}/attachments/{image['ref']}", INVESTIGATOR
    if side == "console":
        url, headers = url.replace("/v1/", "/console/"), staff()

    refused = await api.request(method, url, headers={**headers, "Range": wanted})

    assert refused.status == 416, (refused.status, refused.headers)
    assert refused.headers["Content-Range"] == f"bytes */{image['size']}"
