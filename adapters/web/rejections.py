"""What a refused request is answered with, by the reason it was refused for: a carrier's push (each reason has its
status, and the problem type of that status unless it has one of its own), and a JSON body the API could not
decode (`adapters.web.bodies`)."""

from adapters.web.problems import UNREADABLE_BODY, UNSUPPORTED_ENCODING
from carriers.errors import WebhookReason

REJECTION_STATUS = {
    WebhookReason.UNREADABLE_BODY: 400,
    WebhookReason.MISSING_SIGNATURE: 401,
    WebhookReason.MALFORMED_SIGNATURE: 401,
    WebhookReason.UNKNOWN_SIGNATURE_VERSION: 401,
    WebhookReason.STALE_TIMESTAMP: 401,
    WebhookReason.BAD_SIGNATURE: 401,
    WebhookReason.NOT_CONFIGURED: 403,
    WebhookReason.WRONG_CARRIER: 403,
    WebhookReason.UNKNOWN_CARRIER: 404,
    WebhookReason.TOO_LARGE: 413,
    WebhookReason.UNSUPPORTED_MEDIA_TYPE: 415,
    WebhookReason.UNSUPPORTED_ENCODING: 415,
    WebhookReason.MALFORMED: 422,
}
"""The answer to each rejection: 401 for a credential that does not prove the carrier, 403 for one that does
not let it push this body, the usual statuses for the rest."""
PROBLEM_TYPE = {400: UNREADABLE_BODY, 401: "webhook-unauthenticated", 403: "webhook-forbidden", 404: "unknown-carrier",
                413: "content-too-large", 415: "unsupported-media-type", 422: "malformed-webhook"}
REASON_PROBLEM = {WebhookReason.UNSUPPORTED_ENCODING: UNSUPPORTED_ENCODING}
"""The problem type of a reason that does not share its status's."""


def problem_of(reason: WebhookReason) -> str:
    """The problem type a push refused for `reason` is answered with."""
    return REASON_PROBLEM.get(reason, PROBLEM_TYPE[REJECTION_STATUS[reason]])
