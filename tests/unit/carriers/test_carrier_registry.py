import re
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from carriers.base import CarrierAdapter
from carriers.dhl.settings import DhlSettings
from carriers.registry import CARRIERS, create_adapter
from sandbox.carriers.registry import SANDBOX_CARRIERS
from sandbox.carriers.settings import sandbox_carrier_settings

FIXTURES = Path(__file__).parents[2] / "fixtures" / "carriers"

CONFIG = sandbox_carrier_settings("http://127.0.0.1:8091")  # every carrier's, as the sandbox accepts it
UPS = {"credentials": {"client_id": "ups-client-id", "client_secret": "ups-client-secret"}}


@pytest.mark.parametrize("code", sorted(CARRIERS))
def test_each_carrier_has_public_samples_and_a_sandbox_stand_in(code: str) -> None:
    """What the sandbox replies and the mapping tests read are the carrier's public samples, each with its source."""
    samples = FIXTURES / code
    assert (samples / "PROVENANCE.md").is_file()
    assert [path for path in samples.iterdir() if path.name != "PROVENANCE.md"]
    assert SANDBOX_CARRIERS[code].code == code


@pytest.mark.parametrize("folder", sorted(path.name for path in FIXTURES.iterdir() if path.is_dir()))
def test_provenance_names_each_sample_and_what_kind_of_copy_it_is(folder: str) -> None:
    """Each sample is named (in backticks) on a line of its folder's PROVENANCE.md that says whether it is verbatim,
    transcribed or constructed from a published definition."""
    provenance = (FIXTURES / folder / "PROVENANCE.md").read_text(encoding="utf-8").splitlines()
    for sample in sorted(path.name for path in (FIXTURES / folder).iterdir() if path.name != "PROVENANCE.md"):
        lines = [line for line in provenance if f"`{sample}`" in line]
        assert lines, f"name {sample} in {folder}/PROVENANCE.md, with its source"
        assert any(re.search(r"verbatim|transcribed|constructed", line, re.IGNORECASE) for line in lines), \
            f"say in {folder}/PROVENANCE.md whether {sample} is verbatim, transcribed or constructed"


@pytest.mark.parametrize("code", sorted(CARRIERS))
def test_each_carrier_is_built_from_raw_configuration(code: str, session) -> None:
    adapter = create_adapter(code, CONFIG[code], session)
    assert isinstance(adapter, CarrierAdapter)
    assert adapter.code == code and adapter.capabilities.pull == CARRIERS[code].build.capabilities.pull
    assert adapter.breaker.state == "closed"


WEBHOOK_SETTINGS = (  # what verifies a carrier's pushes
    "webhook_credential", "webhook_credentials", "webhook_token", "webhook_tokens", "partner_webhook")


@pytest.mark.parametrize("code", sorted(CARRIERS))
def test_a_carrier_offers_the_push_its_class_declares_once_we_can_verify_its_pushes(code: str, session) -> None:
    declared = CARRIERS[code].build.capabilities.push
    assert create_adapter(code, CONFIG[code], session).capabilities.push == declared
    if code != "surat":  # Sürat's settings require a secret
        unverifiable = {key: value for key, value in CONFIG[code].items() if key not in WEBHOOK_SETTINGS}
        assert create_adapter(code, unverifiable, session).capabilities.push is None


def test_settings_objects_are_accepted_as_they_are(session) -> None:
    settings = DhlSettings(api_key=SecretStr("key"), timeout_seconds=3)
    assert create_adapter("dhl", settings, session).code == "dhl"


def test_credentials_never_show_in_settings_repr() -> None:
    shown = repr(CARRIERS["ups"].settings.model_validate(UPS))
    assert "ups-client" not in shown


def test_settings_for_the_wrong_carrier_are_refused(session) -> None:
    with pytest.raises(ValidationError):
        create_adapter("ups", DhlSettings(api_key=SecretStr("key")), session)


@pytest.mark.parametrize("config", [{"api_key": "k", "base_url": "ftp://dhl.test"}, {"api_key": "k", "typo": 1}, {}])
def test_invalid_configuration_is_refused(config: dict[str, object], session) -> None:
    with pytest.raises(ValidationError):
        create_adapter("dhl", config, session)


@pytest.mark.parametrize("base_url", ["https://api-eu.dhl.com", "http://127.0.0.1:8091/dhl", "http://localhost/dhl",
                                      "http://[::1]:8091/dhl"])
def test_a_carrier_is_called_over_https_or_over_plain_http_on_this_machine_only(base_url: str, session) -> None:
    assert create_adapter("dhl", {"api_key": "k", "base_url": base_url}, session).code == "dhl"


SANDBOX = "http://sandbox:8091"  # the carrier sandbox on another host, as in docker-compose.yml


@pytest.mark.parametrize("base_url", ["http://sandbox:8091/dhl", "http://SANDBOX:8091", "http://sandbox:8091/dhl/"])
def test_a_plain_http_base_url_at_the_sandbox_s_own_address_is_taken_where_the_sandbox_stands_in(
    base_url: str, session
) -> None:
    config = {"api_key": "k", "base_url": base_url}
    with pytest.raises(ValidationError, match="must be an https:// URL: every call carries credentials"):
        create_adapter("dhl", config, session)
    assert create_adapter("dhl", config, session, plain_http_to=SANDBOX).code == "dhl"


@pytest.mark.parametrize("base_url", ["http://api-eu.dhl.com", "http://10.0.0.8/dhl", "http://sandbox:8092/dhl",
                                      "http://sandbox/dhl", "http://sandbox.evil.example:8091/dhl"])
def test_a_plain_http_base_url_anywhere_else_is_refused_even_where_the_sandbox_stands_in(base_url: str, session) -> None:
    config = {"api_key": "k", "base_url": base_url}
    with pytest.raises(ValidationError, match="must be an https:// URL: every call carries credentials"):
        create_adapter("dhl", config, session, plain_http_to=SANDBOX)


def test_an_unknown_carrier_code_is_refused(session) -> None:
    with pytest.raises(LookupError, match="kargoist"):
        create_adapter("kargoist", {}, session)
