"""The console names in words, in English and in Turkish, every timeline entry the domain writes, every rule
behind a recommendation and every carrier status."""

import re
from pathlib import Path

from enum import StrEnum

import pytest

from adapters.web.console.i18n import CODES, PROBLEMS_TR, TEXTS
from disputes import errors
from disputes.evidence_access import VIEWED, VIEWS_LIMIT_REACHED
from schemas.common import Outcome, RefundDestination, Resolution, Role
from schemas.digital import DigitalChannel, DigitalState
from schemas.dispute import EffectKind, ParkReason, ReasonCode, RestrictionState, Status, SubmissionKind
from schemas.proof import AttachmentKind, ProofStatus, RecipientRelation
from schemas.recommendation import Effect, PolicyRule, RecommendedAction

DOMAIN = Path(__file__).resolve().parents[2] / "disputes"
TEMPLATES = Path(__file__).resolve().parents[2] / "adapters" / "web" / "console" / "templates"
WRITTEN = re.compile(r'(?:_apply|_record|_customer_says)\(\s*\w+,\s*"([a-z_]+)"|action="([a-z_]+)"')


def test_every_timeline_action_the_domain_writes_has_words_in_both_languages():
    written = {VIEWED, VIEWS_LIMIT_REACHED} | {
        code for source in DOMAIN.rglob("*.py") for found in WRITTEN.findall(source.read_text()) for code in found if code}
    assert {"opened", "decided", "customer_message", "attachment_viewed", "effect_parked"} <= written  # the scan finds them
    words = CODES["action"]
    assert written - words.keys() == set(), "add them to CODES['action'] (adapters/web/console/i18n.py)"
    assert all(english != turkish for english, turkish in words.values())


def test_every_rule_of_the_policy_has_words_in_both_languages():
    assert CODES["rule"].keys() == {rule.value for rule in PolicyRule}
    assert all(english != turkish for english, turkish in CODES["rule"].values())


def test_every_role_a_timeline_names_has_words_in_both_languages():
    assert all(role.value in TEXTS and TEXTS[role.value][0] != TEXTS[role.value][1] for role in Role)


def test_every_carrier_status_has_words_in_both_languages():
    assert CODES["proof"].keys() == {status.value for status in ProofStatus}
    assert all(english != turkish for english, turkish in CODES["proof"].values())


def test_every_turkish_refusal_is_the_sentence_of_a_problem_type_the_domain_has():
    codes = {kind.code for kind in vars(errors).values() if isinstance(kind, type) and issubclass(kind, errors.DomainError)}
    assert {"forbidden", "signature-required"} <= codes  # the scan finds them
    assert PROBLEMS_TR.keys() - codes == set()


SHOWN: list[tuple[type[StrEnum], str]] = [  # each code the pages show, and the prefix of its words' keys
    (Status, ""), (Resolution, ""), (Outcome, ""), (RefundDestination, ""), (Role, ""), (RecommendedAction, ""),
    (Effect, ""), (RestrictionState, ""), (AttachmentKind, ""), (ReasonCode, "reason."), (RecipientRelation, "relation."),
    (ProofStatus, "proof."), (PolicyRule, "rule."), (EffectKind, "effect."), (ParkReason, "parked."),
    (DigitalState, "digital_state."), (DigitalChannel, "digital_channel."), (SubmissionKind, "remove_submission."),
]


@pytest.mark.parametrize(("codes", "prefix"), SHOWN, ids=[codes.__name__ for codes, _ in SHOWN])
def test_every_value_of_each_code_the_console_shows_has_words_in_both_languages(codes: type[StrEnum], prefix: str):
    words = {code.value: TEXTS.get(prefix + code.value) for code in codes}
    assert [code for code, pair in words.items() if pair is None] == [], "add them to adapters/web/console/i18n.py"
    assert all(english and turkish and english != turkish for english, turkish in words.values())


def test_every_word_a_page_asks_for_by_name_has_words_in_both_languages():
    asked = {key for page in TEMPLATES.glob("*.html") for key in re.findall(r'\bt\("([^"]+)"\)', page.read_text())}
    assert {"dispute", "relation", "status"} <= asked  # the scan finds them
    assert sorted(asked - TEXTS.keys()) == []
