"""Over HTTP: a customer's JPEG that repeats a scan past what any encoder writes is refused by name as unreadable,
and nothing of the request is kept; a real progressive photo is taken."""

from tests.e2e.conftest import CUSTOMER
from tests.e2e.test_access_and_bad_input import assert_problem
from tests.e2e.test_customer_evidence import assert_nothing_kept, form, opened
from tests.unit.test_images import progressive, with_scans


async def test_a_jpeg_repeating_a_scan_is_refused_as_unreadable_and_a_progressive_photo_is_taken(api, mongo_uri):
    one = await opened(api)
    repeated = ("kapi.jpg", with_scans(progressive((1024, 768)), 5000), "image/jpeg")
    refused = await api.post(one + "/information", data=form("Fotoğraf ekte.", repeated), headers=CUSTOMER)
    assert (await assert_problem(refused, 422, "unreadable-image"))["file"] == "kapi.jpg"
    await assert_nothing_kept(api, mongo_uri, one)

    photo = ("koridor.jpg", progressive((1024, 768), noisy=True), "image/jpeg")
    added = await api.post(one + "/information", data=form("Fotoğraf ekte.", photo), headers=CUSTOMER)
    assert added.status == 201
