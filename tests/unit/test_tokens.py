"""Verified bearer tokens are remembered until their own expiry, and only verified ones; tokens that live
too long, are not valid yet or speak for nobody, or for someone by what is not an id, are refused."""

import time
from collections.abc import Callable
from datetime import timedelta

import jwt
import pytest

from adapters.demo import demo_orders
from adapters.demo.staff import DEMO_STAFF
from adapters.settings import Settings
from adapters.web import auth
from adapters.web.auth import HmacTokens, InvalidToken, Reason, VerifiedTokens
from schemas.common import Role
from tests.factories import AGENT, CUSTOMER, INVESTIGATOR, NOW, OTHER_CUSTOMER, OTHER_INVESTIGATOR, SUPERVISOR

SECRET = "unit-test-secret-" + "x" * 32
DAY = 24 * 3600


def signed(**changes: object) -> str:
    """An investigator's token for issuer `iss` and audience `aud`, issued now for an hour, with `changes`."""
    now = int(time.time())
    claims = {"sub": "inv-1", "role": "investigator", "iss": "iss", "aud": "aud", "iat": now, "exp": now + 3600}
    return jwt.encode(claims | changes, SECRET, "HS256")


def claims_of(token: str) -> dict[str, int]:
    """The token's claims, read without a check (and without counting as one)."""
    return jwt.PyJWT().decode(token, options={"verify_signature": False})


async def refused_every_time(tokens: HmacTokens, token: str, decodes: list[str], reason: Reason) -> None:
    """Refused for `reason` on each try, and checked again each time: a refusal is never remembered."""
    for _ in range(2):
        with pytest.raises(InvalidToken) as refused:
            await tokens.verify(token)
        assert refused.value.reason is reason
    assert decodes == [token, token]


class Timer:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every token the verifier checks by signature (a remembered one is not checked again)."""
    seen: list[str] = []
    real = jwt.decode

    def counting(token: str, *args: object, **kwargs: object) -> object:
        seen.append(token)
        return real(token, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(auth.jwt, "decode", counting)
    return seen


async def test_a_verified_token_is_remembered_until_it_expires(decodes: list[str]) -> None:
    timer = Timer()
    tokens = HmacTokens(SECRET, "iss", "aud", timer=timer)
    token = tokens.mint("cust-1", Role.CUSTOMER, "cust-1", ttl=timedelta(minutes=5))

    first, second = await tokens.verify(token), await tokens.verify(token)

    assert first == second and first.customer_id == "cust-1"
    assert decodes == [token]
    timer.now += 5 * 60 + HmacTokens.leeway + 1
    await tokens.verify(token)  # past its expiry the cache no longer answers: the signature and claims are checked
    assert decodes == [token, token]


async def test_a_token_is_remembered_without_a_check_only_once_verified_and_until_it_expires(
    decodes: list[str],
) -> None:
    timer = Timer()
    tokens = HmacTokens(SECRET, "iss", "aud", timer=timer)
    token = tokens.mint("cust-1", Role.CUSTOMER, "cust-1", ttl=timedelta(minutes=5))
    forged = HmacTokens("another-secret-" + "y" * 32, "iss", "aud").mint("inv-1", Role.SUPERVISOR)
    assert tokens.remembered(token) is None
    with pytest.raises(InvalidToken):
        await tokens.verify(forged)

    verified = await tokens.verify(token)

    assert tokens.remembered(token) == verified and tokens.remembered(forged) is None
    timer.now = claims_of(token)["exp"]
    assert tokens.remembered(token) is None
    assert decodes == [forged, token]


async def test_a_rejected_token_is_not_remembered(decodes: list[str]) -> None:
    tokens = HmacTokens(SECRET, "iss", "aud")
    forged = HmacTokens("another-secret-" + "y" * 32, "iss", "aud").mint("inv-1", Role.SUPERVISOR)

    for _ in range(2):
        with pytest.raises(InvalidToken) as refused:
            await tokens.verify(forged)
        assert refused.value.reason is Reason.BAD_SIGNATURE

    assert decodes == [forged, forged]


async def test_a_token_differing_in_one_character_is_verified_on_its_own() -> None:
    tokens = HmacTokens(SECRET, "iss", "aud")
    token = tokens.mint("inv-1", Role.INVESTIGATOR)
    await tokens.verify(token)
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]

    with pytest.raises(InvalidToken) as refused:
        await tokens.verify(tampered)
    assert refused.value.reason is Reason.BAD_SIGNATURE


async def test_the_memory_is_bounded() -> None:
    tokens = HmacTokens(SECRET, "iss", "aud", remember=3)
    for i in range(10):
        await tokens.verify(tokens.mint(f"inv-{i}", Role.INVESTIGATOR))

    assert len(tokens._verified) == 3


async def test_a_full_memory_forgets_expired_tokens_before_the_oldest_live_one(decodes: list[str]) -> None:
    timer = Timer()
    tokens = HmacTokens(SECRET, "iss", "aud", remember=2, timer=timer)
    short = tokens.mint("inv-short", Role.INVESTIGATOR, ttl=timedelta(minutes=5))
    long = tokens.mint("inv-long", Role.INVESTIGATOR, ttl=timedelta(hours=1))
    await tokens.verify(long)  # the oldest
    await tokens.verify(short)
    timer.now += 10 * 60  # `short` has expired
    newest = tokens.mint("inv-new", Role.INVESTIGATOR)
    await tokens.verify(newest)
    decodes.clear()

    await tokens.verify(long)
    await tokens.verify(newest)

    assert decodes == []


async def test_a_token_is_not_remembered_once_its_exp_has_come(decodes: list[str]) -> None:
    timer = Timer()
    tokens = HmacTokens(SECRET, "iss", "aud", timer=timer)
    token = tokens.mint("inv-1", Role.INVESTIGATOR, ttl=timedelta(minutes=5))
    await tokens.verify(token)
    timer.now = claims_of(token)["exp"]  # the leeway is not counted

    await tokens.verify(token)

    assert decodes == [token, token]


async def test_a_token_past_its_exp_but_within_the_leeway_is_accepted_and_not_remembered(decodes: list[str]) -> None:
    tokens = HmacTokens(SECRET, "iss", "aud")
    token = signed(iat=int(time.time()) - 600, exp=int(time.time()) - HmacTokens.leeway // 3)

    assert await tokens.verify(token) == await tokens.verify(token)
    assert decodes == [token, token]


@pytest.mark.parametrize(
    ("iat", "exp"),
    [(0, DAY + 1), (-3600, DAY - 1800), (-DAY, 3600), (0, 10**30)],
    ids=["a second too long", "issued long ago", "a day old and valid another hour", "absurd exp"],
)
async def test_a_token_living_longer_than_the_maximum_is_refused(decodes: list[str], iat: int, exp: int) -> None:
    now = int(time.time())
    await refused_every_time(
        HmacTokens(SECRET, "iss", "aud"), signed(iat=now + iat, exp=now + exp), decodes, Reason.LIFETIME_TOO_LONG
    )


async def test_a_token_living_exactly_the_maximum_is_accepted() -> None:
    now = int(time.time())

    assert (await HmacTokens(SECRET, "iss", "aud").verify(signed(iat=now, exp=now + DAY))).id == "inv-1"


async def test_the_maximum_lifetime_comes_from_the_settings(decodes: list[str]) -> None:
    settings = Settings(_env_file=None, jwt_secret=SECRET, jwt_issuer="iss", jwt_audience="aud", jwt_max_lifetime_hours=1)
    tokens = HmacTokens.from_settings(settings)
    now = int(time.time())

    assert (await tokens.verify(signed(iat=now, exp=now + 3600))).id == "inv-1"
    decodes.clear()
    await refused_every_time(tokens, signed(iat=now, exp=now + 3601), decodes, Reason.LIFETIME_TOO_LONG)


def test_the_maximum_lifetime_defaults_to_a_day() -> None:
    assert Settings(_env_file=None).jwt_max_lifetime_hours == 24
    assert HmacTokens(SECRET, "iss", "aud").max_lifetime == timedelta(hours=24)


@pytest.mark.parametrize("sub", ["", " ", "\t\n", "\u3000\u00a0"], ids=["empty", "space", "tab and newline", "wide spaces"])
async def test_a_token_for_an_empty_or_blank_subject_is_refused(decodes: list[str], sub: str) -> None:
    await refused_every_time(HmacTokens(SECRET, "iss", "aud"), signed(sub=sub), decodes, Reason.CLAIMS_INVALID)


async def test_a_customer_token_with_a_blank_customer_id_is_refused(decodes: list[str]) -> None:
    await refused_every_time(
        HmacTokens(SECRET, "iss", "aud"), signed(role="customer", customer_id="  "), decodes, Reason.CLAIMS_INVALID
    )


NOT_IDS = {
    "a space": "inv ayse",
    "a control character": "inv-\x01",
    "a trailing line feed": "inv-1\n",
    "an operator": "$ne",
    "a dollar sign inside": "inv-1$where",
    "10 KB long": "i" * 10 * 1024,
    "one character too long": "i" * 65,
    "punctuation first": "-inv-1",
    "a Turkish letter": "inv-ayşe",
}
"""Subjects the service never names a customer or a member of staff by: its ids are `schemas.common.Id`."""


@pytest.mark.parametrize("sub", NOT_IDS.values(), ids=NOT_IDS.keys())
async def test_a_token_whose_subject_is_not_an_id_is_refused(decodes: list[str], sub: str) -> None:
    await refused_every_time(HmacTokens(SECRET, "iss", "aud"), signed(sub=sub), decodes, Reason.CLAIMS_INVALID)


@pytest.mark.parametrize("customer_id", NOT_IDS.values(), ids=NOT_IDS.keys())
async def test_a_customer_token_whose_customer_id_is_not_an_id_is_refused(decodes: list[str], customer_id: str) -> None:
    token = signed(sub="cust-1", role="customer", customer_id=customer_id)
    await refused_every_time(HmacTokens(SECRET, "iss", "aud"), token, decodes, Reason.CLAIMS_INVALID)


@pytest.mark.parametrize(("claim", "value"), [
    ("exp", str), ("iat", str), ("nbf", str), ("iat", lambda _: True), ("nbf", lambda _: True),
], ids=["exp in digits", "iat in digits", "nbf in digits", "iat true", "nbf true"])
async def test_a_time_claim_that_is_not_a_json_number_is_refused(
    decodes: list[str], claim: str, value: Callable[[int], object]
) -> None:
    now = int(time.time())
    times: dict[str, object] = {"iat": now - 10, "exp": now + 3600, "nbf": now - 10}
    times[claim] = value(times[claim])  # type: ignore[arg-type]
    await refused_every_time(HmacTokens(SECRET, "iss", "aud"), signed(**times), decodes, Reason.CLAIMS_INVALID)


async def test_a_subject_of_the_longest_id_is_accepted() -> None:
    longest = "i" + "-_.:9Z" * 10 + "abc"
    assert len(longest) == 64
    assert (await HmacTokens(SECRET, "iss", "aud").verify(signed(sub=longest))).id == longest


async def test_the_demo_staff_and_customers_and_the_test_actors_get_tokens_that_are_accepted() -> None:
    tokens = HmacTokens(SECRET, "iss", "aud")
    customers = {order["customer_id"] for order in demo_orders(NOW)["orders"]}
    staff = [(member.id, member.role) for member in DEMO_STAFF]
    actors = [CUSTOMER, OTHER_CUSTOMER, INVESTIGATOR, OTHER_INVESTIGATOR, SUPERVISOR, AGENT]
    callers = [(c, Role.CUSTOMER, c) for c in sorted(customers)] + [(sub, role, None) for sub, role in staff] + [
        (a.id, a.role, a.customer_id) for a in actors]
    assert len(customers) >= 4 and len(callers) >= 14

    for sub, role, customer_id in callers:
        actor = await tokens.verify(tokens.mint(sub, role, customer_id))
        assert (actor.id, actor.role, actor.customer_id) == (sub, role, customer_id)


async def test_a_token_not_yet_valid_is_refused_and_not_remembered(decodes: list[str]) -> None:
    later = int(time.time()) + HmacTokens.leeway + 60
    await refused_every_time(HmacTokens(SECRET, "iss", "aud"), signed(nbf=later), decodes, Reason.TOKEN_NOT_YET_VALID)


@pytest.mark.parametrize("offset", [-60, HmacTokens.leeway // 3], ids=["already valid", "valid within the leeway"])
async def test_a_token_whose_nbf_has_come_is_accepted(offset: int) -> None:
    token = signed(nbf=int(time.time()) + offset)

    assert (await HmacTokens(SECRET, "iss", "aud").verify(token)).id == "inv-1"


async def test_a_token_issued_in_the_future_is_refused(decodes: list[str]) -> None:
    later = int(time.time()) + HmacTokens.leeway + 60
    await refused_every_time(
        HmacTokens(SECRET, "iss", "aud"), signed(iat=later, exp=later + 3600), decodes, Reason.TOKEN_NOT_YET_VALID
    )


async def test_minting_stays_within_the_maximum_lifetime() -> None:
    tokens = HmacTokens(SECRET, "iss", "aud", max_lifetime=timedelta(hours=2))

    with pytest.raises(ValueError, match="at most"):
        tokens.mint("inv-1", Role.INVESTIGATOR, ttl=timedelta(hours=2, seconds=1))
    short = HmacTokens(SECRET, "iss", "aud", max_lifetime=timedelta(hours=1)).mint("inv-1", Role.INVESTIGATOR)
    claims = claims_of(short)
    assert claims["exp"] - claims["iat"] == 3600  # the default 8 h, cut to the maximum
    assert (await tokens.verify(tokens.mint("inv-1", Role.INVESTIGATOR, ttl=timedelta(hours=2)))).id == "inv-1"


def test_the_console_reads_a_session_s_end_written_as_a_fraction_of_a_second():
    """RFC 7519 §2: a NumericDate is a JSON numeric value, 'non-integer values can be represented', and the verifier
    takes one; the console's session warning and sign-out read it too (the second, its fraction dropped)."""
    from adapters.web.console.session import _expiry

    assert _expiry(jwt.encode({"exp": 1796505723.75}, "k" * 32)) == 1796505723
    assert _expiry(jwt.encode({"exp": 1796505723}, "k" * 32)) == 1796505723
    assert _expiry(jwt.encode({"exp": "1796505723"}, "k" * 32)) is None
    assert _expiry("not a token") is None


class CountedExpiry(float):
    """An expiry that counts how often it is compared with the time."""

    compared = 0

    def __gt__(self, other: object) -> bool:  # `now < expiry` asks the expiry (a float subclass) first
        CountedExpiry.compared += 1
        return float(self) > other  # type: ignore[operator]

    def __ge__(self, other: object) -> bool:
        CountedExpiry.compared += 1
        return float(self) >= other  # type: ignore[operator]


def test_a_new_token_in_a_memory_full_of_live_ones_does_not_walk_them_all() -> None:
    """10 000 live tokens (a marketplace's day of sign-ins): each new one walked every entry, ~1.4 ms on the event
    loop for each first request, as long as that many lived; the walk is now once a minute at most."""
    verified = VerifiedTokens(10_000, lambda: 1_000.0)
    for i in range(10_000):
        verified.put(f"token-{i}", SUPERVISOR, CountedExpiry(2_000.0))
    CountedExpiry.compared = 0
    for i in range(10_000, 10_100):
        verified.put(f"token-{i}", SUPERVISOR, CountedExpiry(2_000.0))
    assert CountedExpiry.compared <= 10_000, "one walk, not one for each new token"
    assert len(verified) == 10_000 and verified.get("token-0") is None and verified.get("token-10099") == SUPERVISOR
