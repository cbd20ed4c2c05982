"""Aras Kargo: SOAP pull (``GetQueryJSON``, a JSON document inside a SOAP reply) and partner-webhook push.

What Aras sends, field by field, and where each fact comes from: ``mapping`` (the reply) and
``tests/fixtures/carriers/aras/PROVENANCE.md`` (the samples and their sources).
"""
