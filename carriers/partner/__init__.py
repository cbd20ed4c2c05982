"""The partner webhook: the marketplace's own signed evidence-push format (``schemas.partner_webhook``).

Every Turkish carrier can push through it, each with its own secrets; Sürat Kargo, which has no public
API, is integrated through it alone. ``signing`` holds the signature scheme (also used by the sandbox
and tests to sign), ``mapping`` the pure event → proof mapping, ``webhook`` the per-carrier verifier and
parser that adapters compose.
"""
