"""A password holding an unescaped "?" (as the README's "/" and "@" cases): the driver takes what follows it for
URI options and quotes the option's name, lower-cased, in its refusal."""

import pytest

from tests.unit.test_mongodb_uri_setting import PREFIX, refusal


@pytest.mark.parametrize("uri", [
    "mongodb://disputes:Xk9?GizliParola42=x@mongo1/",
    "mongodb://disputes:Xk9?GizliParola42@mongo1/?replicaSet=rs0",
])
def test_a_refusal_never_repeats_a_password_holding_an_unescaped_question_mark(uri: str) -> None:
    line = refusal(uri)
    assert line.startswith(PREFIX) and "gizliparola" not in line.lower(), line
