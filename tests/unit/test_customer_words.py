"""What the customer is told carries the facts it is about, in both languages, and nothing it cannot know."""

from datetime import timedelta
from typing import Any

from disputes.model import Dispute
from schemas.dispute import EffectKind, Restriction
from tests.factories import NOW, SUPERVISOR
from tests.unit.policy.builders import dispute, evidence


def told(d: Dispute, template: str) -> tuple[str, str]:
    """(English, Turkish) of the latest notification of `template` the case queued."""
    payload: dict[str, Any] = next(
        m.payload for m in reversed(d.outbox) if m.kind is EffectKind.NOTIFICATION and m.payload["template"] == template
    )
    return payload["message_en"], payload["message"]


# --- the account restriction -----------------------------------------------------------------------------------


def test_lifting_the_restriction_raised_with_a_claim_promises_nothing_of_the_account_s_others() -> None:
    d = dispute(evidence())
    d.restriction = Restriction(flags=["repeat_claims"], raised_at=NOW, raised_by="system",
                                review_due=NOW + timedelta(hours=72))
    d.review_restriction(SUPERVISOR, False, "Yanlış alarm.", NOW)
    en, tr = told(d, "restriction_lifted")
    assert "with this claim" in en and "as usual" not in en
    assert "bu başvuruyla" in tr and "her zamanki gibi" not in tr
