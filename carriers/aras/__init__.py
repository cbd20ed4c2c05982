"""Aras Kargo: SOAP pull (``GetQueryJSON``, a JSON document inside a SOAP reply) and partner-webhook push.

Confirmed (see ``shared/specs/README.md``): the operation ``GetQueryJSON`` with ``LoginInfo{UserName,
Password, CustomerCode}`` and ``QueryInfo{QueryType, IntegrationCode}``; a JSON reply with Turkish
upper-case keys, among them ``KARGO_TAKIP_NO``, ``DURUMU``, ``DURUM_KODU``, ``TESLIM_ALAN`` and
``TESLIM_TARIHI``.

Taken from third-party integrations (not Aras's own documents): the WCF endpoint
``ArasCargoIntegrationService.svc`` with namespace ``http://tempuri.org/`` and SOAP action
``…/IArasCargoIntegrationService/GetQueryJSON``; ``loginInfo`` and ``queryInfo`` sent as XML documents in
string parameters; the JSON in ``GetQueryJSONResult``; ``QueryType`` 1 = by integration code;
``DURUM_KODU`` 6 = delivered.

Assumed: the JSON is ``{"QueryResult": {"Cargo": …}}`` where ``Cargo`` is one object or a list (it reads
like Json.NET's rendering of an XML document); the other ``DURUM_KODU`` values (see ``mapping.STATUS``),
with ``DURUMU`` text as the fallback; ``TESLIM_TARIHI`` as ``dd.MM.yyyy HH:mm[:ss]`` or ISO, Istanbul time,
with an optional separate ``TESLIM_SAATI``; ``ALICI`` (addressee) and ``VARIS_SUBE`` (delivering branch);
an empty result means the code is unknown.
"""
