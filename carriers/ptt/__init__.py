"""PTT Kargo: SOAP pull (``GonderiTakipV2``) and partner-webhook push.

Confirmed (see ``shared/specs/README.md``): the ``GonderiTakipV2`` service and its operations
``gonderiSorgu{kullanici, sifre, barkod}`` and ``gonderiSorgu_referansNo``.

Taken from third-party integrations: the endpoint ``/GonderiTakipV2/services/Sorgu``, the namespace
``http://takip.ptt.gov.tr`` with the parameters inside an ``input`` element, and the ``return`` fields
``sonucKodu``, ``sonucAciklama``, ``BARNO``, ``ALICI``, ``IMERK``, ``VMERK`` and movements with ``ISLEM``,
``IMERK``, ``ITARIH`` (dd.MM.yyyy) and ``ISAAT`` (HH:mm).

Assumed: the movements as repeated ``dongu`` elements, with ``IYER`` (place); ``TESALAN`` (who took the
parcel); ``referansNo`` as the parameter of ``gonderiSorgu_referansNo``; the ``ISLEM`` wording matched in
``mapping.STATUS``; a reply without ``BARNO`` and movements whose ``sonucAciklama`` says "bulunamadı"
(not found), or an empty ``return``, for an unknown number; all times Istanbul time.
"""
