"""Every role is documented, and what the README says of `service` holds: no endpoint accepts it."""

import re
from pathlib import Path

from adapters.bootstrap import ENDPOINTS, HIDDEN, OPS_ENDPOINTS
from adapters.web import test_clocks_api
from adapters.web.console.session import CONSOLE_ROLES
from schemas.common import Role

ROOT = Path(__file__).resolve().parents[2]


def documented_roles() -> dict[str, str]:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("### Roles", 1)[1].split("\n#", 1)[0]
    return {m[1]: m[2] for m in re.finditer(r"^\| `(\w+)` \| [^|]+ \| (.+) \|$", section, re.MULTILINE)}


def test_every_role_has_a_row_saying_what_it_may_do():
    roles = documented_roles()
    assert set(roles) == {role.value for role in Role}
    assert all(len(may.split()) >= 10 for may in roles.values())


def test_no_endpoint_or_console_page_accepts_a_service_token_as_the_readme_says():
    every = ENDPOINTS + OPS_ENDPOINTS + HIDDEN + test_clocks_api.ENDPOINTS
    assert [e.path for e in every if Role.SERVICE in e.roles] == []
    assert Role.SERVICE not in CONSOLE_ROLES
    assert "No endpoint accepts a token with this role" in documented_roles()["service"]
