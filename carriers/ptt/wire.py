"""The parts of PTT's ``gonderiSorgu`` / ``gonderiSorgu_referansNo`` ``return`` we read, as
``carriers.soap.xml_data`` renders it. Every field is optional; what a field may hold is checked where it is
read (``mapping``), so one odd field costs that field only."""

from typing import Any

from pydantic import ConfigDict, Field

from carriers.parsing import WireModel
from carriers.soap import XmlList


class Movement(WireModel):
    """One ``dongu``: a movement of the parcel."""

    model_config = ConfigDict(alias_generator=str.upper)

    ikodu: str | None = None  # PTT's status id for the movement (gonderi_durum_id)
    islem: str | None = None  # its words
    imerk: str | None = None  # the office where it happened
    itarih: str | None = None  # dd/MM/yyyy
    isaat: str | None = None  # HH:mm:ss
    sira_no: str | None = Field(default=None, alias="siraNo")  # its place in the parcel's history


class Inquiry(WireModel):
    model_config = ConfigDict(alias_generator=None)

    barno: Any = Field(default=None, alias="BARNO")  # the barcode the reply is about
    alici: Any = Field(default=None, alias="ALICI")  # the addressee
    tesalan: Any = Field(default=None, alias="TESALAN")  # who signed for the parcel, once delivered
    sonuc_aciklama: Any = Field(default=None, alias="sonucAciklama")  # the outcome in words
    movements: XmlList[Any] | None = Field(default=None, alias="dongu")  # each read as a ``Movement``
