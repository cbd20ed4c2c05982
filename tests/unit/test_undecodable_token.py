"""A bearer token made of bytes that are not UTF-8 (aiohttp hands them on as surrogates) is a malformed token, a 401
with its reason, never a 500."""

from types import SimpleNamespace

import pytest
from multidict import CIMultiDict

from adapters.web.endpoint import _authenticate
from adapters.web.problems import ProblemError
from schemas.common import Role


async def test_a_token_of_undecodable_bytes_is_refused_as_malformed():
    request = SimpleNamespace(headers=CIMultiDict({"Authorization": "Bearer ey\udcff.\udcfe"}))  # as aiohttp decodes it
    with pytest.raises(ProblemError) as refused:
        await _authenticate(request, SimpleNamespace(), frozenset({Role.INVESTIGATOR}))
    assert (refused.value.status, refused.value.extra["reason"]) == (401, "token_malformed")
