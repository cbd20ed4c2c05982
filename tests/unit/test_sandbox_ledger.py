"""The stand-in marketplace services run for days under the embedded default: they keep the latest requests and the
effects of the latest idempotency keys, a bounded number of each, and a key kept is still replayed."""

from sandbox.downstream import KEPT, Ledger


def test_the_ledger_keeps_the_latest_effects_and_replays_a_kept_key() -> None:
    ledger = Ledger()
    _, replayed = ledger.apply("payments", "key-0", "fp-0") or ("", True)
    assert not replayed
    for n in range(1, 3 * KEPT):
        ledger.apply("notifications", f"key-{n}", f"fp-{n}")

    assert len(ledger.answers) == KEPT == sum(len(keys) for keys in ledger.applied.values())
    assert "key-0" not in ledger.applied["payments"], "the oldest key is forgotten"
    latest = f"key-{3 * KEPT - 1}"
    assert ledger.applied["notifications"][latest] == 1
    _, replayed = ledger.apply("notifications", latest, f"fp-{3 * KEPT - 1}") or ("", False)
    assert replayed and ledger.applied["notifications"][latest] == 1
    assert ledger.apply("notifications", latest, "another body") is None
