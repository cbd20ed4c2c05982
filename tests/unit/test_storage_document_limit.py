"""MongoDB refuses to store a document past its 16 MiB limit (manual, "MongoDB Limits and Thresholds", BSON Document
Size), where the embedded database stores it: a save it refuses so, or the driver before sending it, finds the case
full (`CaseFull`: 409 `case-full`), never a 500, and changes nothing."""

import pytest
from pymongo.errors import DocumentTooLarge, OperationFailure, WriteError

from adapters.mongo.disputes import MongoDisputes
from disputes.errors import CaseFull
from tests.factories import CUSTOMER, INVESTIGATOR, NOW


class Refusing:
    """The disputes' collection, as a MongoDB that refuses every write with `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def update_one(self, *args: object, **kwargs: object) -> None:
        raise self.error

    async def find_one_and_update(self, *args: object, **kwargs: object) -> None:
        raise self.error


@pytest.mark.parametrize("error", [
    WriteError("Resulting document after update is larger than 16777216", 17419, {
        "code": 17419, "errmsg": "Resulting document after update is larger than 16777216"}),
    OperationFailure("BSONObj size: 16777300 (0x1000054) is invalid. Size must be between 0 and 16793600(16MB)", 10334),
    DocumentTooLarge("BSON document too large (16793700 bytes) - the connected server supports BSON document sizes up "
                     "to 16793598 bytes."),
])
async def test_a_save_past_the_document_limit_finds_the_case_full(service, request_for, error: Exception) -> None:
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    dispute.add_note(INVESTIGATOR, "Kargo şubesini aradım.", NOW)
    version = dispute.version

    with pytest.raises(CaseFull, match="document limit"):
        await MongoDisputes(Refusing(error)).save(dispute)  # type: ignore[arg-type]
    assert dispute.version == version


async def test_another_refusal_of_a_save_is_not_the_case_full(service, request_for) -> None:
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    with pytest.raises(OperationFailure):
        await MongoDisputes(Refusing(OperationFailure("not authorized on disputes", 13))).save(dispute)  # type: ignore[arg-type]
