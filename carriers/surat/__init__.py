"""Sürat Kargo: push only, through the partner webhook (no public tracking API is known).

The adapter still satisfies ``CarrierAdapter`` (``carriers.base`` has no push-only contract, and the
registry builds every carrier as one): ``capabilities.pull`` is False, so no caller pulls, and ``pull``
refuses with ``CarrierRejected`` should one try. Its breaker exists for the carriers status endpoint and
never opens: nothing is called.
"""
