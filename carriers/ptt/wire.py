"""The parts of PTT's ``gonderiSorgu`` ``return`` we read, as ``carriers.soap.xml_data`` renders it."""

from pydantic import ConfigDict, Field

from carriers.parsing import WireModel
from carriers.soap import XmlList


class Movement(WireModel):
    model_config = ConfigDict(alias_generator=str.upper)

    islem: str | None = None
    imerk: str | None = None
    iyer: str | None = None
    itarih: str | None = None
    isaat: str | None = None


class Inquiry(WireModel):
    sonuc_kodu: str | None = None
    sonuc_aciklama: str | None = None
    barno: str | None = Field(default=None, alias="BARNO")
    alici: str | None = Field(default=None, alias="ALICI")
    tesalan: str | None = Field(default=None, alias="TESALAN")
    movements: XmlList[Movement] | None = Field(default=None, alias="dongu")
