import hashlib
import hmac

import pytest
from pydantic import SecretStr

from carriers.errors import WebhookRejected
from carriers.partner.signing import HEADER, parse_header, sign, signature, signed_body, verify
from tests.unit.carriers.conftest import NOW

SECRET = "whsec_yurtici_0123456789abcdef0123456789"
OLD_SECRET = "whsec_yurtici_old_0123456789abcdef012345"
BODY = b'{"event_id":"e1","carrier":"yurtici"}'
T = int(NOW.timestamp())


def check(header: str, body: bytes = BODY, *, secrets: tuple[str, ...] = (SECRET,), at: int = T) -> int:
    return verify(
        {HEADER: header},
        body,
        secrets=[SecretStr(s) for s in secrets],
        now=NOW.fromtimestamp(at, NOW.tzinfo),
        tolerance_seconds=300,
    )


def test_the_signature_is_hex_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert signature(SECRET, BODY, T) == expected
    assert sign(SECRET, BODY, T) == f"t={T},v1={expected}"


def test_a_signed_request_verifies_and_yields_its_timestamp() -> None:
    assert check(sign(SECRET, BODY, T)) == T


def test_a_signature_made_with_another_secret_is_forged() -> None:
    with pytest.raises(WebhookRejected, match="signature does not match"):
        check(sign("whsec_guessed_0123456789abcdef0123456789", BODY, T))


def test_a_tampered_body_no_longer_matches() -> None:
    with pytest.raises(WebhookRejected, match="signature does not match"):
        check(sign(SECRET, BODY, T), BODY.replace(b"e1", b"e2"))


def test_a_changed_timestamp_no_longer_matches() -> None:
    header = sign(SECRET, BODY, T).replace(f"t={T}", f"t={T + 1}")
    with pytest.raises(WebhookRejected, match="signature does not match"):
        check(header)


@pytest.mark.parametrize(
    "age", [301, 3600, -301, -86_400], ids=["just old", "an hour old", "just ahead", "a day ahead"]
)
def test_a_request_signed_outside_the_replay_window_is_refused(age: int) -> None:
    with pytest.raises(WebhookRejected, match="outside the 300s replay window"):
        check(sign(SECRET, BODY, T - age))


@pytest.mark.parametrize("age", [300, -300, 0])
def test_clock_skew_within_the_window_is_tolerated(age: int) -> None:
    assert check(sign(SECRET, BODY, T - age)) == T - age


def test_during_a_rotation_either_secret_verifies() -> None:
    assert check(sign(OLD_SECRET, BODY, T), secrets=(SECRET, OLD_SECRET)) == T
    assert check(sign(SECRET, BODY, T), secrets=(SECRET, OLD_SECRET)) == T


def test_a_partner_may_send_one_signature_per_secret_it_holds() -> None:
    both = f"{sign(OLD_SECRET, BODY, T)},v1={signature(SECRET, BODY, T)}"
    assert check(both) == T
    assert check(both, secrets=(OLD_SECRET,)) == T


def test_unknown_schemes_are_ignored_and_hex_case_does_not_matter() -> None:
    header = f"t={T},v0=deadbeef,v1={signature(SECRET, BODY, T).upper()}"
    assert check(header) == T


def test_without_a_configured_secret_everything_is_refused() -> None:
    with pytest.raises(WebhookRejected, match="no partner webhook secret configured"):
        check(sign(SECRET, BODY, T), secrets=())


def test_a_missing_header_is_refused() -> None:
    with pytest.raises(WebhookRejected, match=f"missing {HEADER} header"):
        verify({}, BODY, secrets=[SecretStr(SECRET)], now=NOW, tolerance_seconds=300)


def test_the_header_name_is_case_insensitive() -> None:
    headers = {HEADER.lower(): sign(SECRET, BODY, T)}
    assert verify(headers, BODY, secrets=[SecretStr(SECRET)], now=NOW, tolerance_seconds=300) == T


@pytest.mark.parametrize(
    "header",
    [
        "",
        "garbage",
        f"v1={'a' * 64}",
        f"t={T}",
        f"t=soon,v1={'a' * 64}",
        f"t={T},t={T},v1={'a' * 64}",
        f"t={T},v1=not-hex",
        f"t={T},v1={'a' * 63}",
        f"t={T}," + ",".join(f"v1={'a' * 64}" for _ in range(9)),
        f"t={T},v1={'a' * 64}," + "x" * 1024,
        f"t=-{T},v1={'a' * 64}",
        f"t={str(T).translate(str.maketrans('0123456789', '٠١٢٣٤٥٦٧٨٩'))},v1={'a' * 64}",
    ],
    ids=["empty", "no pairs", "no t", "no v1", "t not a number", "two t", "v1 not hex", "v1 too short",
         "too many v1", "too long", "negative t", "t in Arabic-Indic digits"],
)
def test_a_malformed_header_is_refused_as_malformed(header: str) -> None:
    with pytest.raises(WebhookRejected, match=f"malformed {HEADER} header"):
        parse_header(header)


def test_a_timestamp_is_checked_as_the_partner_wrote_it() -> None:
    """Stripe's scheme signs ``<t as sent>.<body>``: a partner writing ``t=0…`` signed the zero too."""
    padded = f"0{T}"
    mac = hmac.new(SECRET.encode(), f"{padded}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert check(f"t={padded},v1={mac}") == T
    with pytest.raises(WebhookRejected, match="signature does not match"):
        check(f"t={padded},v1={signature(SECRET, BODY, T)}")


def test_rejections_never_quote_the_signature_or_the_secret() -> None:
    forged = sign("whsec_guessed_0123456789abcdef0123456789", BODY, T)
    with pytest.raises(WebhookRejected) as caught:
        check(forged)
    message = str(caught.value)
    assert forged.split("v1=")[1] not in message and SECRET not in message


def pieces_checked(header: str, pieces: list[bytes], *, secrets: tuple[str, ...] = (SECRET,)) -> int:
    signed = signed_body({HEADER: header}, secrets=[SecretStr(s) for s in secrets])
    for piece in pieces:
        signed.update(piece)
    return signed.verify(now=NOW, tolerance_seconds=300)


def test_a_body_given_in_pieces_verifies_as_the_whole_does() -> None:
    pieces = [BODY[start:start + 5] for start in range(0, len(BODY), 5)]
    assert pieces_checked(sign(SECRET, BODY, T), pieces) == T
    both = f"t={T},v1={signature(OLD_SECRET, BODY, T)},v1={signature(SECRET, BODY, T)}"
    assert pieces_checked(both, pieces, secrets=(SECRET, OLD_SECRET)) == T
    with pytest.raises(WebhookRejected, match="signature does not match"):
        pieces_checked(sign(SECRET, BODY, T), [*pieces, b" "])
    with pytest.raises(WebhookRejected, match="signature does not match"):
        pieces_checked(sign(SECRET, BODY, T), pieces[:-1])
