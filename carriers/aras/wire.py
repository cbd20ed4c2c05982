"""The parts of Aras's ``GetQueryJSON`` document we read; keys are Turkish upper case (``TESLIM_ALAN``)."""

from pydantic import ConfigDict, Field

from carriers.parsing import WireModel
from carriers.soap import XmlList

Value = str | int | None  # Aras renders numbers as strings or numbers


class Cargo(WireModel):
    model_config = ConfigDict(alias_generator=str.upper)

    kargo_takip_no: Value = None
    durumu: Value = None
    durum_kodu: Value = None
    teslim_alan: Value = None
    teslim_tarihi: Value = None
    teslim_saati: Value = None
    alici: Value = None
    varis_sube: Value = None


class QueryResult(WireModel):
    cargo: XmlList[Cargo] | None = Field(default=None, alias="Cargo")


class QueryReply(WireModel):
    query_result: QueryResult | None = Field(default=None, alias="QueryResult")
