"""PTT Kargo: SOAP pull (``GonderiTakipV2``: ``gonderiSorgu`` by barcode, ``gonderiSorgu_referansNo`` by
our reference) and partner-webhook push.

``mapping`` lists every field it reads and its public source; ``codes`` is PTT's movement status table
(``IKODU``) and what each code says about the parcel. The samples it is tested on, and where each comes
from, are in ``tests/fixtures/carriers/ptt/`` (``PROVENANCE.md``).
"""
