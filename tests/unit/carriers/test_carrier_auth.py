import asyncio
import base64

import pytest
from multidict import CIMultiDict, CIMultiDictProxy
from pydantic import SecretStr, ValidationError

from carriers import auth
from carriers.auth import ClientCredentials, TokenCache, TokenGrant, client_credentials_request, verify_shared_secret
from carriers.breaker import BreakerSettings, BreakerState, CircuitBreaker
from carriers.dhl.settings import DhlSettings
from carriers.errors import CarrierAuthError, CarrierError, CarrierUnavailable, WebhookReason, WebhookRejected
from carriers.partner.settings import PartnerWebhookSettings
from carriers.ups.settings import UpsSettings

CREDENTIALS = ClientCredentials(client_id=SecretStr("id"), client_secret=SecretStr("s3cret"))


class TokenEndpoint:
    """Counts fetches; each fetch returns a new token (or raises ``failure``), optionally waiting for a gate first."""

    def __init__(self, expires_in: float = 3600, failure: CarrierError | None = None) -> None:
        self.fetches = 0
        self.expires_in = expires_in
        self.failure = failure
        self.gate = asyncio.Event()
        self.gate.set()

    async def fetch(self) -> TokenGrant:
        self.fetches += 1
        await self.gate.wait()
        if self.failure is not None:
            raise self.failure
        return TokenGrant(access_token=f"token-{self.fetches}", expires_in=self.expires_in)


async def queued_behind_one_fetch(endpoint: TokenEndpoint, clock, callers: int) -> tuple[TokenCache, list]:
    """`callers` asking a new cache for a token at once, its endpoint answering only once all of them wait: what each
    got (a token or the failure raised)."""
    endpoint.gate.clear()
    cache = TokenCache(endpoint.fetch, clock=clock)
    waiting = [asyncio.create_task(cache.token()) for _ in range(callers)]
    await asyncio.sleep(0)
    endpoint.gate.set()
    return cache, await asyncio.gather(*waiting, return_exceptions=True)


async def test_concurrent_callers_share_a_single_token_fetch(clock) -> None:
    endpoint = TokenEndpoint()
    _, tokens = await queued_behind_one_fetch(endpoint, clock, 10)
    assert set(tokens) == {"token-1"}
    assert endpoint.fetches == 1


async def test_callers_queued_behind_a_fetch_whose_failure_holds_share_it_without_fetching_again(clock) -> None:
    endpoint = TokenEndpoint(failure=CarrierUnavailable("HTTP 503", carrier="ups", status=503, retry_after=30))
    cache, failures = await queued_behind_one_fetch(endpoint, clock, 10)
    assert all(isinstance(failure, CarrierUnavailable) and failure.status == 503 for failure in failures)
    # The fetch's own failure reached the carrier; the nine shared with the callers that waited did not.
    assert [failure.repeated for failure in failures] == [False] + [True] * 9
    assert endpoint.fetches == 1
    endpoint.failure = None
    clock.advance(30)
    assert await cache.token() == "token-2"  # a caller that came after the Retry-After asks again


class TimesOutOnce(TokenEndpoint):
    """Its first fetch gets no answer (a blip); it answers every later one."""

    async def fetch(self) -> TokenGrant:
        self.failure = CarrierUnavailable("no answer within 10s", carrier="ups") if self.fetches == 0 else None
        return await super().fetch()


async def test_callers_queued_behind_a_fetch_that_timed_out_share_its_failure_and_the_next_caller_fetches_again(
    clock,
) -> None:
    """A hanging token endpoint is not asked once per queued caller in turn, each waiting its whole time limit."""
    endpoint = TimesOutOnce()
    cache, results = await queued_behind_one_fetch(endpoint, clock, 8)
    assert all(isinstance(result, CarrierUnavailable) and result.retry_after is None for result in results)
    assert [result.repeated for result in results] == [False] + [True] * 7
    assert endpoint.fetches == 1
    assert await cache.token() == "token-2" and endpoint.fetches == 2  # nothing held: the next caller asks again


async def test_one_token_fetch_that_timed_out_does_not_open_the_breaker_of_the_calls_queued_behind_it(clock) -> None:
    endpoint = TimesOutOnce()
    endpoint.gate.clear()
    cache = TokenCache(endpoint.fetch, clock=clock)
    breaker = CircuitBreaker("ups", BreakerSettings(failure_threshold=5), clock)

    async def track(token: str) -> str:
        return f"tracked with {token}"

    pulls = [asyncio.create_task(breaker.call(lambda: cache.call(track))) for _ in range(8)]  # one worker's pulls
    await asyncio.sleep(0)
    endpoint.gate.set()
    results = await asyncio.gather(*pulls, return_exceptions=True)
    assert [type(result).__name__ for result in results] == ["CarrierUnavailable"] * 8
    assert (breaker.state, breaker.failures) == (BreakerState.CLOSED, 1)  # the one fetch that reached the carrier


async def test_a_refusal_of_our_credentials_is_repeated_for_a_while_before_the_endpoint_is_asked_again(clock) -> None:
    endpoint = TokenEndpoint(failure=CarrierAuthError("HTTP 401", carrier="ups", status=401))
    cache = TokenCache(endpoint.fetch, clock=clock)
    for repeated in (False, True, True):
        with pytest.raises(CarrierAuthError) as refused:
            await cache.token()
        assert (str(refused.value), refused.value.status, refused.value.repeated) == ("ups: HTTP 401", 401, repeated)
    clock.advance(auth.REFUSAL_HOLD_SECONDS - 1)
    with pytest.raises(CarrierAuthError):
        await cache.token()
    assert endpoint.fetches == 1
    endpoint.failure = None
    clock.advance(1)
    assert await cache.token() == "token-2"


async def test_a_retry_after_is_repeated_with_the_time_left_until_it_has_passed(clock) -> None:
    endpoint = TokenEndpoint(failure=CarrierUnavailable("HTTP 429", carrier="ups", status=429, retry_after=120))
    cache = TokenCache(endpoint.fetch, clock=clock)
    with pytest.raises(CarrierUnavailable):
        await cache.token()
    clock.advance(30)
    with pytest.raises(CarrierUnavailable) as held:
        await cache.token()
    assert (held.value.status, held.value.retry_after, endpoint.fetches) == (429, 90, 1)
    endpoint.failure = None
    clock.advance(90)
    assert await cache.token() == "token-2"


async def test_the_token_is_refreshed_shortly_before_it_expires(clock) -> None:
    endpoint = TokenEndpoint(expires_in=600)
    cache = TokenCache(endpoint.fetch, clock=clock, refresh_margin=60)
    assert await cache.token() == "token-1"
    clock.advance(539)
    assert await cache.token() == "token-1"
    clock.advance(1)
    assert await cache.token() == "token-2"


async def test_a_token_without_a_lifetime_is_kept_for_the_default_lifetime(clock) -> None:
    async def fetch() -> TokenGrant:
        return TokenGrant(access_token="t")

    cache = TokenCache(fetch, clock=clock, refresh_margin=60, default_lifetime=300)
    await cache.token()
    clock.advance(239)
    assert cache._fresh() == "t"
    clock.advance(1)
    assert cache._fresh() is None


async def test_a_401_invalidates_the_token_and_the_call_is_retried_once_with_a_new_one(clock) -> None:
    endpoint = TokenEndpoint()
    cache = TokenCache(endpoint.fetch, clock=clock)
    seen: list[str] = []

    async def call(token: str) -> str:
        seen.append(token)
        if token == "token-1":
            raise CarrierAuthError("HTTP 401", carrier="ups", status=401)
        return "proof"

    assert await cache.call(call) == "proof"
    assert seen == ["token-1", "token-2"]


async def test_a_second_401_is_not_retried_again(clock) -> None:
    cache = TokenCache(TokenEndpoint().fetch, clock=clock)
    seen: list[str] = []

    async def call(token: str) -> str:
        seen.append(token)
        raise CarrierAuthError("HTTP 401", carrier="ups", status=401)

    with pytest.raises(CarrierAuthError):
        await cache.call(call)
    assert seen == ["token-1", "token-2"]


async def test_a_403_is_not_a_stale_token_and_is_not_retried(clock) -> None:
    endpoint = TokenEndpoint()
    cache = TokenCache(endpoint.fetch, clock=clock)

    async def call(token: str) -> str:
        raise CarrierAuthError("HTTP 403", carrier="ups", status=403)

    with pytest.raises(CarrierAuthError):
        await cache.call(call)
    assert endpoint.fetches == 1


def test_invalidating_an_old_token_keeps_a_newer_one(clock) -> None:
    cache = TokenCache(TokenEndpoint().fetch, clock=clock)
    cache._token, cache._refresh_at = "token-2", clock.monotonic() + 100
    cache.invalidate("token-1")
    assert cache._fresh() == "token-2"


def test_client_credentials_go_in_basic_auth() -> None:
    request = client_credentials_request("https://carrier.test/token", CREDENTIALS, secret_in_body=False)
    assert (request.method, request.url) == ("POST", "https://carrier.test/token")
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"id:s3cret").decode()
    assert request.form == {"grant_type": "client_credentials"}


def test_client_credentials_go_in_the_form_body() -> None:
    request = client_credentials_request("https://carrier.test/token", CREDENTIALS, secret_in_body=True)
    assert "Authorization" not in request.headers
    assert request.form == {"grant_type": "client_credentials", "client_id": "id", "client_secret": "s3cret"}


def test_a_token_grant_s_repr_holds_no_token() -> None:
    grant = TokenGrant(access_token="TOKEN-VALUE", expires_in=60)
    assert "TOKEN-VALUE" not in repr(grant) and "TOKEN-VALUE" not in str(grant)


def test_a_token_grant_accepts_a_lifetime_given_as_a_string() -> None:
    assert TokenGrant.model_validate({"access_token": "t", "expires_in": "14399"}).expires_in == 14399


class TestSharedSecretWebhooks:
    SECRET = (SecretStr("hook-secret"),)

    def test_the_right_credential_passes_whatever_the_header_case(self) -> None:
        verify_shared_secret({"X-Api-Key": "hook-secret"}, "x-api-key", self.SECRET)

    @pytest.mark.parametrize("headers", [{"x-api-key": "hook-secreT"}, {"x-api-key": ""}, {"x-api-key": "hook"}])
    def test_a_wrong_credential_is_rejected_without_echoing_it(self, headers: dict[str, str]) -> None:
        with pytest.raises(WebhookRejected) as caught:
            verify_shared_secret(headers, "x-api-key", self.SECRET)
        assert "hook" not in str(caught.value)

    def test_a_missing_header_is_rejected(self) -> None:
        with pytest.raises(WebhookRejected, match="missing x-api-key"):
            verify_shared_secret({"authorization": "hook-secret"}, "x-api-key", self.SECRET)

    def test_without_a_configured_credential_every_request_is_rejected(self) -> None:
        with pytest.raises(WebhookRejected, match="no webhook credential configured"):
            verify_shared_secret({"x-api-key": ""}, "x-api-key", ())

    @pytest.mark.parametrize("sent", ["", "anything"])
    def test_an_empty_configured_credential_is_none_and_every_request_is_rejected(self, sent: str) -> None:
        with pytest.raises(WebhookRejected) as caught:
            verify_shared_secret({"x-api-key": sent}, "x-api-key", (SecretStr(""),))
        assert caught.value.reason is WebhookReason.NOT_CONFIGURED

    def test_an_empty_header_is_a_missing_credential(self) -> None:
        with pytest.raises(WebhookRejected) as caught:
            verify_shared_secret({"x-api-key": ""}, "x-api-key", self.SECRET)
        assert caught.value.reason is WebhookReason.MISSING_SIGNATURE

    def test_the_comparison_is_constant_time(self, monkeypatch: pytest.MonkeyPatch) -> None:
        compared: list[tuple[bytes, bytes]] = []

        def spy(a: bytes, b: bytes) -> bool:
            compared.append((a, b))
            return a == b

        monkeypatch.setattr(auth.hmac, "compare_digest", spy)
        verify_shared_secret({"x-api-key": "hook-secret"}, "x-api-key", self.SECRET)
        with pytest.raises(WebhookRejected):
            verify_shared_secret({"x-api-key": "x"}, "x-api-key", self.SECRET)
        assert len(compared) == 2
        assert all(len(a) == len(b) == 32 for a, b in compared)  # digests: equal length whatever was sent

    def test_a_request_s_headers_are_read_whatever_their_case(self) -> None:
        sent = CIMultiDictProxy(CIMultiDict({"Host": "here", "X-API-KEY": "hook-secret"}))
        verify_shared_secret(sent, "x-api-key", self.SECRET)
        with pytest.raises(WebhookRejected, match="wrong x-api-key"):
            verify_shared_secret(CIMultiDictProxy(CIMultiDict({"x-Api-key": "hook-secreT"})), "x-api-key", self.SECRET)

    def test_a_rotated_credential_replaces_the_old_one_at_once(self) -> None:
        """The configured credential's digest is kept, by the credential itself: the old one stops passing."""
        verify_shared_secret({"x-api-key": "hook-secret"}, "x-api-key", self.SECRET)
        rotated = (SecretStr("hook-secret-2"),)
        verify_shared_secret({"x-api-key": "hook-secret-2"}, "x-api-key", rotated)
        with pytest.raises(WebhookRejected, match="wrong x-api-key"):
            verify_shared_secret({"x-api-key": "hook-secret"}, "x-api-key", rotated)
        with pytest.raises(WebhookRejected, match="wrong x-api-key"):
            verify_shared_secret({"x-api-key": "hook-secret-2"}, "x-api-key", self.SECRET)

    def test_during_a_rotation_either_credential_passes_and_each_push_is_compared_with_every_one(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        compared: list[tuple[bytes, bytes]] = []

        def spy(a: bytes, b: bytes) -> bool:
            compared.append((a, b))
            return a == b

        monkeypatch.setattr(auth.hmac, "compare_digest", spy)
        old_and_new = (SecretStr("hook-secret"), SecretStr("hook-secret-2"))
        verify_shared_secret({"x-api-key": "hook-secret"}, "x-api-key", old_and_new)
        verify_shared_secret({"x-api-key": "hook-secret-2"}, "x-api-key", old_and_new)
        with pytest.raises(WebhookRejected, match="wrong x-api-key") as caught:
            verify_shared_secret({"x-api-key": "hook-secret-3"}, "x-api-key", old_and_new)
        assert caught.value.reason is WebhookReason.BAD_SIGNATURE
        assert len(compared) == 6  # whichever matched, and however early

    def test_the_digests_kept_are_bounded_however_many_credentials_come_and_go(self) -> None:
        for n in range(100):
            verify_shared_secret({"x-api-key": f"secret-{n}"}, "x-api-key", (SecretStr(f"secret-{n}"),))
        assert auth._expected_digest.cache_info().currsize <= 16
        verify_shared_secret({"x-api-key": "secret-0"}, "x-api-key", (SecretStr("secret-0"),))  # one forgotten: made again


UPS_CREDENTIALS = {"client_id": "id", "client_secret": "s3cret"}
PUSH_CREDENTIALS = [
    (lambda credential: UpsSettings.model_validate({"credentials": UPS_CREDENTIALS, "webhook_credential": credential})),
    (lambda credential: DhlSettings.model_validate({"api_key": "k", "webhook_token": credential})),
]


@pytest.mark.parametrize("settings", PUSH_CREDENTIALS, ids=["ups", "dhl"])
@pytest.mark.parametrize(("credential", "said"), [
    ("", "is blank"),
    ("   ", "is blank"),
    ("short-push-credential", "a secret is 32 to 512 characters long"),
    ("pushed-credential-31-characters", "a secret is 32 to 512 characters long"),
    ("x" * 513, "a secret is 32 to 512 characters long"),
])
def test_a_blank_or_short_push_credential_is_refused_when_the_settings_load(settings, credential, said) -> None:
    with pytest.raises(ValidationError) as refused:
        settings(credential)
    assert said in str(refused.value)
    assert credential.strip() == "" or credential not in str(refused.value)


@pytest.mark.parametrize("settings", PUSH_CREDENTIALS, ids=["ups", "dhl"])
def test_a_push_credential_of_32_characters_or_none_is_taken(settings) -> None:
    settings("pushed-credential-32-characters-")
    settings(None)


OLD_PUSH_CREDENTIAL = "pushed-credential-old-0123456789abcd"
NEW_PUSH_CREDENTIAL = "pushed-credential-new-0123456789abcd"
PUSH_CREDENTIAL_KEYS = [
    (lambda given: UpsSettings.model_validate({"credentials": UPS_CREDENTIALS} | given), "webhook_credential"),
    (lambda given: DhlSettings.model_validate({"api_key": "k"} | given), "webhook_token"),
]


def values(credentials: tuple[SecretStr, ...]) -> list[str]:
    return [credential.get_secret_value() for credential in credentials]


@pytest.mark.parametrize(("settings", "single"), PUSH_CREDENTIAL_KEYS, ids=["ups", "dhl"])
def test_a_push_credential_rotates_with_the_old_and_the_new_one_configured_and_the_single_key_still_counts(
    settings, single: str
) -> None:
    old, new = OLD_PUSH_CREDENTIAL, NEW_PUSH_CREDENTIAL
    assert values(settings({f"{single}s": [old, new]}).push_credentials) == [old, new]
    assert values(settings({single: old}).push_credentials) == [old]
    assert values(settings({single: old, f"{single}s": [new]}).push_credentials) == [new, old]
    assert settings({}).push_credentials == ()


@pytest.mark.parametrize(("settings", "single"), PUSH_CREDENTIAL_KEYS, ids=["ups", "dhl"])
def test_a_push_credential_given_with_blanks_around_it_is_kept_without_them_and_a_push_carrying_it_passes(
    settings, single: str
) -> None:
    # A pasted value or a file's last newline: HTTP strips a header value's blanks, so no push could carry it as given.
    padded = settings({single: f" {OLD_PUSH_CREDENTIAL}\n", f"{single}s": [f"\t{NEW_PUSH_CREDENTIAL}\r\n"]})
    assert values(padded.push_credentials) == [NEW_PUSH_CREDENTIAL, OLD_PUSH_CREDENTIAL]
    for credential in (OLD_PUSH_CREDENTIAL, NEW_PUSH_CREDENTIAL):
        verify_shared_secret({"x-api-key": credential}, "x-api-key", padded.push_credentials)


def test_a_partner_s_signing_secret_given_with_blanks_around_it_is_kept_without_them() -> None:
    given = PartnerWebhookSettings.model_validate({"secrets": [f"{OLD_PUSH_CREDENTIAL}\n", f" {NEW_PUSH_CREDENTIAL}"]})
    assert values(given.secrets) == [OLD_PUSH_CREDENTIAL, NEW_PUSH_CREDENTIAL]


@pytest.mark.parametrize(("settings", "single"), PUSH_CREDENTIAL_KEYS, ids=["ups", "dhl"])
@pytest.mark.parametrize(("credential", "said"), [
    ("", "is blank"),
    ("   ", "is blank"),
    ("pushed-credential-31-characters", "a secret is 32 to 512 characters long"),
    ("x" * 513, "a secret is 32 to 512 characters long"),
])
def test_each_of_several_push_credentials_is_refused_blank_or_short(settings, single: str, credential, said) -> None:
    with pytest.raises(ValidationError) as refused:
        settings({f"{single}s": [OLD_PUSH_CREDENTIAL, credential]})
    assert f"{single}s.1" in str(refused.value) and said in str(refused.value)
    assert OLD_PUSH_CREDENTIAL not in str(refused.value)
    assert credential.strip() == "" or credential not in str(refused.value)


@pytest.mark.parametrize(("settings", "single"), PUSH_CREDENTIAL_KEYS, ids=["ups", "dhl"])
def test_more_push_credentials_than_a_rotation_needs_are_refused(settings, single: str) -> None:
    settings({f"{single}s": [f"{OLD_PUSH_CREDENTIAL}{n}" for n in range(4)]})
    with pytest.raises(ValidationError, match=f"{single}s"):
        settings({f"{single}s": [f"{OLD_PUSH_CREDENTIAL}{n}" for n in range(5)]})


def test_the_ups_push_credential_is_refused_when_it_is_our_oauth_client_id() -> None:
    """UPS's pushes may carry our client ID (x-api-key): anyone who saw one could push with it. Its 48 characters pass
    the length check."""
    client_id = "Zq3vW8kLmN2pR5tY7uI9oP1aS4dF6gH0jK3lZ5xC7vB9nM2q"
    with pytest.raises(ValidationError) as refused:
        UpsSettings.model_validate({"credentials": {"client_id": client_id, "client_secret": "s3cret"},
                                    "webhook_credential": client_id})
    assert "webhook_credential" in str(refused.value) and "is the OAuth client ID" in str(refused.value)
    assert client_id not in str(refused.value)
    for given, pushed in ((client_id, client_id), (client_id, f" {client_id}\n"), (f"{client_id} ", client_id)):
        with pytest.raises(ValidationError) as refused:
            UpsSettings.model_validate({"credentials": {"client_id": given, "client_secret": "s3cret"},
                                        "webhook_credentials": [OLD_PUSH_CREDENTIAL, pushed]})
        assert "webhook_credentials" in str(refused.value) and "is the OAuth client ID" in str(refused.value)
        assert client_id not in str(refused.value)
