"""A console form's address asked for as a page: odd ids are led back (or refused) without a 500."""

import pytest

from schemas.common import Role
from tests.e2e.test_console import staff


@pytest.mark.parametrize("raw", ["%FF", "%ED%A0%80", "%2F%2Fevil.example", "%5C%5Cevil.example", "a%00b", "%E2%80%AE"])
async def test_an_odd_id_in_a_form_address_is_never_a_500_nor_leaves_the_console(api, raw):
    answer = await api.get(f"/console/disputes/{raw}/take", headers=staff(Role.INVESTIGATOR, "inv-ayse"),
                           allow_redirects=False)
    assert answer.status in (303, 404), (answer.status, await answer.text())
    if answer.status == 303:
        assert answer.headers["Location"].startswith("/console/disputes/"), answer.headers["Location"]
        assert "//" not in answer.headers["Location"] and "\\" not in answer.headers["Location"]
