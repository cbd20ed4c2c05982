"""Sürat Kargo: push only, through the partner webhook.

No public definition or sample of a Sürat tracking reply exists: client code names tracking operations
(``KargoTakipHareketDetayliV2``), but none shows what they answer, so a pull would be read from guesses. What
was searched, and the samples Sürat's pushes are tested with, are in
``tests/fixtures/carriers/surat/PROVENANCE.md``.

The adapter still satisfies ``CarrierAdapter`` (``carriers.base`` has no push-only contract, and the
registry builds every carrier as one): ``capabilities.pull`` is None, so no caller pulls, and ``pull``
refuses with ``CarrierRejected`` should one try. Its breaker exists for the carriers status endpoint and
never opens: nothing is called.
"""
