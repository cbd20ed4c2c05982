"""`./dev help` and every `disputes <command> --help` describe what they run and every option they take; a refused
setting is said without the value that was refused."""

import argparse
import subprocess
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from adapters.cli import SETTINGS_NOTE, build_parser, explain, main
from adapters.settings import ENV_FILE, Settings
from carriers.ups.settings import UpsSettings

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ("embedded", "serve", "worker", "sandbox", "token", "backup", "sandbox-shipment", "sandbox-order")  # as README lists


def subcommands() -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_command_is_declared_and_summarised_in_the_top_level_help(capsys):
    assert set(subcommands()) == set(COMMANDS)
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    listing = capsys.readouterr().out
    assert all(command in listing for command in COMMANDS)
    assert ENV_FILE in listing and "environment wins" in listing


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_s_help_describes_it_and_every_option(capsys, command):
    parser = subcommands()[command]
    options = [action for action in parser._actions if action.option_strings and action.dest != "help"]
    assert [action.dest for action in options if not (action.help or "").strip()] == []

    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert all(option in text for action in options for option in action.option_strings)
    unwrapped = "".join(text.split())  # argparse wraps lines, at spaces and after hyphens
    assert len(parser.description or "") > 60 and "".join((parser.description or "").split()) in unwrapped
    assert "".join(SETTINGS_NOTE.split()) in unwrapped


def test_dev_help_describes_its_commands_rather_than_printing_the_script():
    result = subprocess.run([str(ROOT / "dev"), "help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and result.stderr == ""
    described = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ") and line.split()}
    assert {"serve", "test", "check", "help", "commands"} <= described
    assert "docs/settings.md" in result.stdout and ".env" in result.stdout
    assert not any(word in result.stdout for word in ("sed ", "$0", "esac", ";;"))


def test_a_refused_setting_is_said_without_its_value():
    secret = "a-ups-secret-that-must-not-be-printed"
    with pytest.raises(ValidationError) as refused:
        UpsSettings.model_validate({"credentials": {"client_id": "id", "client_secret": [secret], "extra": secret}})
    lines = list(explain(refused.value))
    assert len(lines) == 2 and secret not in "".join(lines) and secret not in str(refused.value)  # nor pydantic's
    assert "UpsSettings credentials.extra: Extra inputs are not permitted" in lines


def test_a_refused_setting_is_named_by_its_variable():
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, jwt_secret=SecretStr("short"), worker_port=0)
    assert sorted(explain(refused.value)) == [
        "DISPUTES_JWT_SECRET: must be at least 32 characters long",
        "DISPUTES_WORKER_PORT: Input should be greater than or equal to 1",
    ]


def test_no_token_is_minted_for_the_service_role_which_no_endpoint_accepts(capsys):
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args(["token", "--role", "service", "--sub", "svc-1"])
    assert done.value.code == 2
    assert "invalid choice: 'service'" in capsys.readouterr().err
    assert build_parser().parse_args(["token", "--role", "agent", "--sub", "agent-1"]).role == "agent"


@pytest.mark.parametrize("option", ["--sub", "--customer-id"])
def test_no_token_is_minted_for_a_caller_the_api_would_refuse_as_not_an_id(capsys, option):
    argv = ["token", "--role", "customer", "--sub", "cust-1"]
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args([*argv, option, "Ayşe Yılmaz"])
    assert done.value.code == 2
    assert "'Ayşe Yılmaz' is not an id" in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--port", "--carriers-port"])
@pytest.mark.parametrize("port", ["70000", "0", "-1", "http"])
def test_the_sandbox_refuses_a_port_outside_1_to_65535_naming_the_option(capsys, option, port):
    """70000 was bound as 4464 (modulo 65536) while the sandbox said it listened on 70000."""
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args(["sandbox", option, port])
    assert done.value.code == 2
    assert f"{option}: '{port}' is not a port" in capsys.readouterr().err
    assert getattr(build_parser().parse_args(["sandbox", option, "65535"]), option[2:].replace("-", "_")) == 65535
