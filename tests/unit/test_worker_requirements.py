"""`disputes worker --help` names every setting the worker refuses to start without, and no other."""

import re

import pytest

from adapters.cli import DESCRIPTIONS, CannotStart, require_production_settings
from adapters.settings import Settings

SETTING = re.compile(r"DISPUTES_[A-Z_]+")


def test_the_worker_s_help_names_exactly_what_it_cannot_start_without() -> None:
    given: dict[str, str] = {"mongodb_uri": "mongodb://db.internal:27017/?replicaSet=rs0"}
    refused: list[str] = []
    while True:
        try:
            require_production_settings(Settings(_env_file=None, **given), api=False)  # type: ignore[call-arg]
            break
        except CannotStart as refusal:
            named = SETTING.findall(str(refusal))
            assert named and not set(named) & set(refused), refusal
            refused += named
            given |= {name.removeprefix("DISPUTES_").lower(): _value(name) for name in named}
        assert len(refused) < 20
    assert set(SETTING.findall(DESCRIPTIONS["worker"])) == {"DISPUTES_MONGODB_URI", *refused, "DISPUTES_HOST",
                                                            "DISPUTES_WORKER_PORT"}
    assert "DISPUTES_JWT_SECRET" not in DESCRIPTIONS["worker"]  # the worker hands out no page cursors


def _value(name: str) -> str:
    return "s" * 40 if name.endswith("SECRET") else f"http://{name.lower()}.internal"


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_each_command_s_help_names_only_settings_that_exist(command: str) -> None:
    assert {name.removeprefix("DISPUTES_").lower() for name in SETTING.findall(DESCRIPTIONS[command])} <= set(
        Settings.model_fields)
