"""A customer's explanation and images over HTTP: an appeal, and information added while the case is open, sent as
multipart/form-data; stored without their metadata, by reference, shown to investigators and to the customer; a
file too large or of the wrong type named in the problem, with nothing of the request kept."""

import asyncio
import json
import threading
from io import BytesIO

from aiohttp import FormData
from PIL import Image

from adapters.mongo.client import connect
from adapters.web.keys import SERVICE
from adapters.images import MAX_IMAGE_BYTES, DecodeTurns, without_metadata
from adapters.web import uploads
from adapters.web.uploads import CHUNK, ImageCleaner
from tests.e2e.conftest import AGENT, CUSTOMER, INVESTIGATOR, OTHER_CUSTOMER
from tests.e2e.test_access_and_bad_input import assert_problem

OPEN = {"order_id": "ord-1", "statement": "Teslim edildi görünüyor ama gelmedi.", "preferred_resolution": "refund"}
GPS_IFD, MAKE = 0x8825, 0x010F


def photo(fmt: str = "JPEG", colour: tuple[int, int, int] = (120, 90, 60)) -> bytes:
    """A small photo as a phone writes it: with the maker and the GPS position in its EXIF."""
    exif = Image.Exif()
    exif[MAKE] = "Samsung-Galaxy-A54"
    exif[GPS_IFD] = {1: "N", 2: (40.0, 59.0, 1.0), 3: "E", 4: (29.0, 3.0, 2.0)}
    out = BytesIO()
    Image.new("RGB", (8, 6), colour).save(out, fmt, exif=exif)
    return out.getvalue()


def form(statement: str, *files: tuple[str, bytes, str]) -> FormData:
    data = FormData(default_to_multipart=True)
    data.add_field("statement", statement)
    for filename, content, claimed_type in files:
        data.add_field("images", content, filename=filename, content_type=claimed_type)
    return data


async def opened(api) -> str:
    return await opened_by(api, CUSTOMER)


async def opened_by(api, customer: dict[str, str]) -> str:
    """A case of `customer`'s: ord-1 is CUSTOMER's order, ord-9 OTHER_CUSTOMER's."""
    order = {"order_id": "ord-9"} if customer is OTHER_CUSTOMER else {}
    response = await api.post("/v1/disputes", json=OPEN | order, headers=customer)
    assert response.status == 201
    return f"/v1/disputes/{(await response.json())['id']}"


async def rejected(api) -> str:
    one = await opened(api)
    reject = {"outcome": "rejected", "reason_code": "proof_of_delivery", "note": "İmzalı teslim, konum adreste."}
    assert (await api.post(one + "/decision", json=reject, headers={**INVESTIGATOR, "If-Match": '"1"'})).status == 200
    return one


def store(api):
    return api.server.app[SERVICE].attachments


async def stored_attachments(api, mongo_uri: str) -> int:
    """Counted on a connection of its own: a look the app never takes, kept out of its query audit."""
    client = connect(mongo_uri)
    try:
        return await client[store(api).attachments.database.name].attachments.count_documents({})
    finally:
        await client.close()


async def test_an_appeal_with_an_image_reaches_the_investigator_by_reference_without_its_location(api):
    one = await rejected(api)
    sent = photo()

    appealed = await api.post(one + "/appeal", data=form("İmza benim değil; kapımın fotoğrafı ekte.",
                                                         ("kapi.jpg", sent, "image/jpeg")), headers=CUSTOMER)

    assert appealed.status == 200, await appealed.text()
    mine = await appealed.json()
    assert mine["status"] == "appealed" and mine["appeal"]["statement"].startswith("İmza benim değil")
    [added] = mine["customer_evidence"]
    [image] = added["images"]
    assert (added["kind"], image["filename"], image["media_type"]) == ("appeal", "kapi.jpg", "image/jpeg")
    assert "your appeal and the 1 image with it" in mine["next_step"]["en"] and "1 görseli aldık" in mine["next_step"]["tr"]

    staff = await (await api.get(one, headers=INVESTIGATOR)).json()
    assert staff["customer_evidence"][0]["images"] == [image]
    timeline = await (await api.get(one + "/timeline", headers=INVESTIGATOR)).json()
    assert timeline["entries"][-1]["action"] == "appealed"
    assert timeline["entries"][-1]["details"]["images"] == [image["ref"]]

    media_type, kept = await store(api).attachment(image["ref"])
    kept_image = Image.open(BytesIO(kept))
    assert media_type == "image/jpeg" and kept_image.size == (8, 6) and dict(kept_image.getexif()) == {}
    assert b"Samsung" in sent and b"Samsung" not in kept and image["size"] == len(kept)
    doc = await store(api).attachments.find_one({"_id": image["ref"]})
    assert (doc["kind"], doc["dispute_id"], doc["customer_id"]) == ("customer_image", one.rsplit("/", 1)[1], "cust-1")
    assert "carrier" not in doc


async def test_information_is_added_while_the_case_is_open_as_a_form_or_as_json(api, mongo_uri):
    one = await opened(api)

    added = await api.post(one + "/information", data=form(
        "Kapıcı ve komşular paketi almadıklarını söyledi.",
        ("koridor.png", photo("PNG"), "application/octet-stream"),  # the type is read from the bytes
        ("kapi.webp", photo("WEBP"), "image/webp"),
    ), headers=CUSTOMER)

    assert added.status == 201, await added.text()
    mine = await added.json()
    assert [i["media_type"] for i in mine["customer_evidence"][0]["images"]] == ["image/png", "image/webp"]
    assert "We received the information you added" in mine["next_step"]["en"]
    assert "eklediğiniz bilgileri aldık" in mine["next_step"]["tr"]
    words = await api.post(one + "/information", json={"statement": "Apartman görevlisi de görmemiş."}, headers=CUSTOMER)
    assert words.status == 201 and len((await words.json())["customer_evidence"]) == 2

    staff = await (await api.get(one, headers=INVESTIGATOR)).json()
    assert [e["kind"] for e in staff["customer_evidence"]] == ["information", "information"]
    assert len(staff["customer_evidence"][0]["images"]) == 2 and await stored_attachments(api, mongo_uri) == 2


async def test_a_file_of_another_type_is_named_and_nothing_of_the_request_is_kept(api, mongo_uri):
    one = await opened(api)
    gif = BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")

    refused = await api.post(one + "/information", data=form(
        "İki fotoğraf ekliyorum.", ("kapi.jpg", photo(), "image/jpeg"), ("merdiven.jpg", gif.getvalue(), "image/jpeg"),
    ), headers=CUSTOMER)

    assert refused.status == 415 and refused.content_type == "application/problem+json"
    problem = await refused.json()
    assert problem["type"].endswith(":unsupported-image-type") and problem["file"] == "merdiven.jpg"
    assert "merdiven.jpg" in problem["detail"]
    assert "as JPEG" in problem["detail"] and "Most Compatible" in problem["detail"]  # what to do: the iPhone's setting
    await assert_nothing_kept(api, mongo_uri, one)


async def test_a_file_too_large_is_named_and_nothing_of_the_request_is_kept(api, mongo_uri):
    one = await opened(api)
    huge = photo() + b"\x00" * (10 * 1024 * 1024)

    refused = await api.post(one + "/information", data=form(
        "Fotoğraflar ekte.", ("kapi.jpg", photo(), "image/jpeg"), ("IMG_2041.JPG", huge, "image/jpeg"),
    ), headers=CUSTOMER)

    assert refused.status == 413
    problem = await refused.json()
    assert problem["type"].endswith(":image-too-large") and problem["file"] == "IMG_2041.JPG"
    await assert_nothing_kept(api, mongo_uri, one)


async def test_more_than_five_images_or_one_that_is_not_readable_is_refused_by_name(api, mongo_uri):
    one = await rejected(api)
    six = [(f"foto-{n}.png", photo("PNG", (n, n, n)), "image/png") for n in range(6)]
    too_many = await api.post(one + "/appeal", data=form("Altı fotoğraf.", *six), headers=CUSTOMER)
    assert (await assert_problem(too_many, 413, "too-many-images"))["file"] == "foto-5.png"

    broken = await api.post(one + "/appeal", data=form("Bozuk dosya.", ("bozuk.jpg", photo()[:60], "image/jpeg")),
                            headers=CUSTOMER)
    assert (await assert_problem(broken, 422, "unreadable-image"))["file"] == "bozuk.jpg"
    await assert_nothing_kept(api, mongo_uri, one, version=2)


async def test_a_body_that_is_not_the_multipart_form_it_says_is_refused_and_nothing_kept(api, mongo_uri):
    one = await opened(api)
    garbled = await api.post(one + "/information", data=b"Fotograflar ekte, ama form degil.",
                             headers={**CUSTOMER, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    await assert_problem(garbled, 400, "malformed-multipart")
    await assert_nothing_kept(api, mongo_uri, one)


async def test_a_form_without_a_statement_or_with_other_fields_or_another_body_is_refused(api, mongo_uri):
    one = await opened(api)
    no_statement = FormData()
    no_statement.add_field("images", photo(), filename="kapi.jpg", content_type="image/jpeg")
    other = form("Ekte.")
    other.add_field("location", "41.0,29.0")
    for body, status in ((no_statement, 422), (other, 422)):
        response = await api.post(one + "/information", data=body, headers=CUSTOMER)
        assert response.status == status and response.content_type == "application/problem+json"
    urlencoded = await api.post(one + "/information", data={"statement": "Ekte."}, headers=CUSTOMER)
    assert urlencoded.status == 415 and "multipart/form-data" in (await urlencoded.json())["detail"]
    await assert_nothing_kept(api, mongo_uri, one)


async def test_only_the_customer_whose_case_it_is_adds_to_it(api, mongo_uri):
    one = await opened(api)
    for headers, status in ((OTHER_CUSTOMER, 404), (INVESTIGATOR, 403)):
        response = await api.post(one + "/information", data=form("Ekte.", ("kapi.jpg", photo(), "image/jpeg")),
                                  headers=headers)
        assert response.status == status
    await assert_nothing_kept(api, mongo_uri, one)


async def assert_nothing_kept(api, mongo_uri: str, one: str, version: int = 1) -> None:
    dispute = await (await api.get(one, headers=INVESTIGATOR)).json()
    assert dispute["version"] == version and dispute["customer_evidence"] == []
    assert await stored_attachments(api, mongo_uri) == 0


async def test_the_document_describes_the_form_with_its_images_and_the_json_alternative(api):
    paths = (await (await api.get("/openapi.json")).json())["paths"]
    for action, status in (("appeal", "200"), ("information", "201")):
        operation = paths["/v1/disputes/{id}/" + action]["post"]
        content = operation["requestBody"]["content"]
        form_schema = content["multipart/form-data"]["schema"]
        assert form_schema["required"] == ["statement"] and form_schema["properties"]["images"]["maxItems"] == 5
        assert form_schema["properties"]["images"]["items"]["format"] == "binary"
        assert content["multipart/form-data"]["encoding"]["images"]["contentType"] == "image/jpeg, image/png, image/webp"
        assert "application/json" in content and {status, "413", "415", "422"} <= operation["responses"].keys()


BOUNDARY = "kanit-sinir"


async def answer_to_a_form_held_open(api, path: str, file_start: bytes) -> tuple[int, dict]:
    """Send a form whose image part starts with `file_start` and whose rest never comes, over a raw connection: the
    only answer possible is one given while the body still streams in. (aiohttp's reader hands a part's bytes
    on one chunk behind what arrived, looking for the boundary: two chunks of filler push them through.)"""
    reader, writer = await asyncio.open_connection(api.host, api.port)
    head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="statement"\r\n\r\nEkte.\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="images"; filename="ekran.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n").encode() + file_start + b"\x00" * (2 * CHUNK)
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: {api.host}\r\nAuthorization: {CUSTOMER['Authorization']}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        + f"{len(head):x}\r\n".encode() + head + b"\r\n"
    )
    await writer.drain()
    try:
        async with asyncio.timeout(20):  # bounds the wait only: the body is never completed
            status_line = await reader.readline()
            headers = {}
            while (line := await reader.readline()) != b"\r\n":
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers["content-length"]))
    finally:
        writer.close()
    return int(status_line.split()[1]), json.loads(body)


async def test_a_file_is_refused_while_the_body_still_streams_in(api, mongo_uri):
    one = await opened(api)
    gif = BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")

    for file_start, status in ((gif.getvalue(), 415), (photo() + b"\x00" * MAX_IMAGE_BYTES, 413)):
        answered, problem = await answer_to_a_form_held_open(api, one + "/information", file_start)
        assert (answered, problem["file"]) == (status, "ekran.jpg")
    await assert_nothing_kept(api, mongo_uri, one)


async def test_an_agent_sends_the_files_the_customer_gave_them_and_the_customer_sees_them_without_the_agents_id(api, mongo_uri):
    one = await opened(api)

    added = await api.post(one + "/information", data=form(
        "Müşteri canlı destekte kapı fotoğrafını paylaştı.", ("whatsapp-kapi.jpg", photo(), "image/jpeg"),
    ), headers=AGENT)

    assert added.status == 201, await added.text()
    [evidence] = (await (await api.get(one, headers=CUSTOMER)).json())["customer_evidence"]
    assert evidence["submitted_by"] is None and evidence["images"][0]["filename"] == "whatsapp-kapi.jpg"
    assert await stored_attachments(api, mongo_uri) == 1
    [agents] = (await (await api.get(one, headers=AGENT)).json())["customer_evidence"]
    [staff] = (await (await api.get(one, headers=INVESTIGATOR)).json())["customer_evidence"]
    assert (agents["submitted_by"], staff["submitted_by"]) == (None, "agent-elif")  # as the thread shows its authors


def counted_decodes(monkeypatch) -> list[str]:
    """The media types of the images the app decodes from now on (each decoded as before)."""
    decoded: list[str] = []

    def counted(content: bytes, media_type: str) -> bytes:
        decoded.append(media_type)
        return without_metadata(content, media_type)

    monkeypatch.setattr(uploads, "without_metadata", counted)
    return decoded


async def test_images_for_a_case_that_is_missing_not_the_callers_or_not_taking_them_are_refused_undecoded(
    api, monkeypatch,
):
    one = await opened(api)
    decoded = counted_decodes(monkeypatch)
    images = (("kapi.png", photo("PNG"), "image/png"), ("koridor.jpg", photo(), "image/jpeg"))

    missing = await api.post("/v1/disputes/dsp_0000000000000000/information", data=form("Ekte.", *images),
                             headers=CUSTOMER)
    foreign = await api.post(one + "/information", data=form("Ekte.", *images), headers=OTHER_CUSTOMER)
    not_rejected = await api.post(one + "/appeal", data=form("İtiraz ediyorum.", *images), headers=CUSTOMER)
    assert (missing.status, foreign.status, not_rejected.status) == (404, 404, 409)
    assert decoded == []

    added = await api.post(one + "/information", data=form("Ekte.", *images), headers=CUSTOMER)
    assert added.status == 201 and decoded == ["image/png", "image/jpeg"]


async def test_when_too_many_images_wait_to_be_decoded_the_upload_is_told_to_retry_and_nothing_is_kept(
    api, mongo_uri,
):
    one = await opened(api)
    turns = DecodeTurns(at_once=1, may_wait=0)
    api.server.app[SERVICE].clean_image = ImageCleaner(turns)
    let_go = threading.Event()
    holding = asyncio.create_task(turns.run(lambda: let_go.wait(30)))  # another upload's image, decoding
    try:
        busy = await api.post(one + "/information", data=form("Ekte.", ("kapi.jpg", photo(), "image/jpeg")),
                              headers=CUSTOMER)
    finally:
        let_go.set()
        await holding

    assert busy.status == 503 and busy.content_type == "application/problem+json"
    assert busy.headers["Retry-After"].isdigit() and (await busy.json())["type"].endswith(":unavailable")
    await assert_nothing_kept(api, mongo_uri, one)


async def test_a_form_announcing_more_than_five_images_can_hold_is_refused_before_it_is_read(api, mongo_uri):
    """The same problem type and title a push too large gets: one type per meaning (RFC 9110's "Content Too Large")."""
    one = await opened(api)
    reader, writer = await asyncio.open_connection(api.host, api.port)
    writer.write(
        f"POST {one}/information HTTP/1.1\r\nHost: {api.host}\r\nAuthorization: {CUSTOMER['Authorization']}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {uploads.MAX_FORM_BYTES + 1}\r\n\r\n"
        .encode()
    )
    await writer.drain()
    try:
        async with asyncio.timeout(20):  # bounds the wait only: the body is never sent
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
            problem = json.loads(await reader.readexactly(length))
    finally:
        writer.close()
    assert head.startswith(b"HTTP/1.1 413")
    assert (problem["type"], problem["title"]) == ("urn:dispute-service:problem:content-too-large", "Content Too Large")
    await assert_nothing_kept(api, mongo_uri, one)


async def test_a_chunked_form_is_refused_once_it_passes_what_five_images_can_hold(api, mongo_uri):
    """No Content-Length to refuse it by: what precedes the first boundary (a preamble, which multipart readers skip)
    counts too."""
    one = await opened(api)
    line = b"x" * 998 + b"\r\n"
    filler = [line * 1000] * (uploads.MAX_FORM_BYTES // (len(line) * 1000) + 1)
    fields = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"statement\"\r\n\r\nKapıda değildim.\r\n"
              f"--{BOUNDARY}--\r\n").encode()

    async def chunks():
        for piece in [*filler, fields]:
            yield piece

    answer = await api.post(one + "/information", data=chunks(),
                            headers={**CUSTOMER, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    assert (await assert_problem(answer, 413))["type"] == "urn:dispute-service:problem:content-too-large"
    await assert_nothing_kept(api, mongo_uri, one)


FORM_BOUNDARY = "----WebKitFormBoundaryk4p1c1"
STATEMENT_PART = b'Content-Disposition: form-data; name="statement"\r\n\r\n' + "Kapıcı paketi almadığını söyledi.".encode()
NO_FILE_CHOSEN = b'Content-Disposition: form-data; name="images"; filename=""\r\nContent-Type: application/octet-stream\r\n\r\n'
"""What a browser sends for an `<input type="file" name="images">` left empty (WHATWG HTML, "constructing the entry
list": a file with an empty name, of type application/octet-stream, with an empty body)."""


def image_part(filename: str, content: bytes) -> bytes:
    return (f'Content-Disposition: form-data; name="images"; filename="{filename}"\r\n'
            "Content-Type: image/jpeg\r\n\r\n").encode() + content


async def posted_form(api, path: str, *parts: bytes):
    body = b"".join(b"--" + FORM_BOUNDARY.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    return await api.post(path, data=body + b"--" + FORM_BOUNDARY.encode() + b"--\r\n",
                          headers={**CUSTOMER, "Content-Type": f"multipart/form-data; boundary={FORM_BOUNDARY}"})


async def test_a_browser_form_whose_file_inputs_were_left_empty_adds_the_statement_alone(api, mongo_uri):
    one = await opened(api)

    added = await posted_form(api, one + "/information", STATEMENT_PART, NO_FILE_CHOSEN, NO_FILE_CHOSEN)

    assert added.status == 201, await added.text()
    [evidence] = (await added.json())["customer_evidence"]
    assert evidence["images"] == [] and evidence["statement"].startswith("Kapıcı")
    assert await stored_attachments(api, mongo_uri) == 0


async def test_an_empty_file_input_next_to_five_images_is_not_a_sixth(api):
    one = await opened(api)
    five = [image_part(f"foto-{n}.jpg", photo(colour=(n, n, n))) for n in range(5)]

    added = await posted_form(api, one + "/information", STATEMENT_PART, *five, NO_FILE_CHOSEN)

    assert added.status == 201, await added.text()
    assert len((await added.json())["customer_evidence"][0]["images"]) == 5


async def test_a_named_file_with_no_bytes_is_refused_as_unreadable_by_name(api, mongo_uri):
    one = await opened(api)

    refused = await posted_form(api, one + "/information", STATEMENT_PART, image_part("IMG_2041.JPG", b""))

    problem = await assert_problem(refused, 422, "unreadable-image")
    assert problem["file"] == "IMG_2041.JPG" and "empty" in problem["detail"]
    await assert_nothing_kept(api, mongo_uri, one)


async def until(condition, seconds: float = 10) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.01)


async def test_a_form_finding_no_room_among_the_forms_in_flight_is_told_to_retry_before_its_body_is_read(
    api, mongo_uri, monkeypatch,
):
    """Room for one full form: a chunked one held open takes it all (it declares no length, so it may hold the most)."""
    one = await opened(api)
    forms = uploads.InFlight(uploads.MAX_FORM_BYTES, uploads.FORMS_IN_FLIGHT.busy, one_each=uploads.FORMS_IN_FLIGHT.one_each)
    monkeypatch.setattr(uploads, "FORMS_IN_FLIGHT", forms)
    held_reader, held = await asyncio.open_connection(api.host, api.port)
    start = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="images"; filename="kapi.jpg"\r\n'
             "Content-Type: image/jpeg\r\n\r\n").encode() + photo()
    held.write(f"POST {one}/information HTTP/1.1\r\nHost: {api.host}\r\nAuthorization: {CUSTOMER['Authorization']}\r\n"
               f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
               + f"{len(start):x}\r\n".encode() + start + b"\r\n")
    await held.drain()
    await until(lambda: forms.held == uploads.MAX_FORM_BYTES)

    theirs = await opened_by(api, OTHER_CUSTOMER)
    reader, writer = await asyncio.open_connection(api.host, api.port)
    writer.write(f"POST {theirs}/information HTTP/1.1\r\nHost: {api.host}\r\n"
                 f"Authorization: {OTHER_CUSTOMER['Authorization']}\r\n"
                 f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: 2000\r\n\r\n".encode())
    await writer.drain()
    try:
        async with asyncio.timeout(10):  # bounds the wait only: the body is never sent, the answer comes without it
            head = await reader.readuntil(b"\r\n\r\n")
    finally:
        writer.close()
    assert head.startswith(b"HTTP/1.1 503") and b"\r\nretry-after: " in head.lower()
    assert b"application/problem+json" in head

    held.close()
    await until(lambda: forms.held == 0)  # the held form's request ended with its connection
    added = await api.post(one + "/information", data=form("Ekte.", ("kapi.jpg", photo(), "image/jpeg")),
                           headers=CUSTOMER)
    assert added.status == 201
    await until(lambda: forms.held == 0)
    assert await stored_attachments(api, mongo_uri) == 1


def held_open(api, path: str, caller: dict[str, str]) -> bytes:
    """A chunked form's headers and the start of its one image, the rest never sent."""
    start = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="images"; filename="kapi.jpg"\r\n'
             "Content-Type: image/jpeg\r\n\r\n").encode() + photo()
    return (f"POST {path}/information HTTP/1.1\r\nHost: {api.host}\r\nAuthorization: {caller['Authorization']}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
            + f"{len(start):x}\r\n".encode() + start + b"\r\n")


async def test_forms_held_open_on_another_customers_case_are_not_found_and_hold_no_room(api, mongo_uri):
    one = await opened(api)
    heads = []
    for _ in range(4):  # as many full forms as the budget has room for
        reader, writer = await asyncio.open_connection(api.host, api.port)
        writer.write(held_open(api, one, OTHER_CUSTOMER))
        await writer.drain()
        try:
            async with asyncio.timeout(10):  # bounds the wait only: the body is never finished
                heads.append(await reader.readuntil(b"\r\n\r\n"))
        finally:
            writer.close()

    assert all(head.startswith(b"HTTP/1.1 404") for head in heads), heads
    added = await api.post(one + "/information", data=form("Ekte.", ("kapi.jpg", photo(), "image/jpeg")),
                           headers=CUSTOMER)
    assert added.status == 201, await added.text()
    assert await stored_attachments(api, mongo_uri) == 1


async def test_a_customer_sends_one_form_at_a_time_and_cannot_keep_another_from_sending_theirs(api, mongo_uri):
    one = await opened(api)
    theirs = await opened_by(api, OTHER_CUSTOMER)
    _, held = await asyncio.open_connection(api.host, api.port)
    held.write(held_open(api, theirs, OTHER_CUSTOMER))
    await held.drain()
    await until(lambda: uploads.FORMS_IN_FLIGHT.held == uploads.MAX_FORM_BYTES)
    try:
        second = await api.post(theirs + "/information", data=form("Ekte.", ("kapi.jpg", photo(), "image/jpeg")),
                                headers=OTHER_CUSTOMER)
        problem = await assert_problem(second, 429, "rate-limited")
        assert "One form at a time" in problem["detail"]
        assert int(second.headers["Retry-After"]) > 0

        added = await api.post(one + "/information", data=form("Ekte.", ("kapi.jpg", photo(), "image/jpeg")),
                               headers=CUSTOMER)
        assert added.status == 201, await added.text()
    finally:
        held.close()
    await until(lambda: uploads.FORMS_IN_FLIGHT.held == 0)
    assert await stored_attachments(api, mongo_uri) == 1


async def first_head(api, path: str, caller: dict[str, str], length: int = 2000) -> bytes:
    """The first answer's head to a form's headers sent with `Expect: 100-continue`, its body never sent."""
    reader, writer = await asyncio.open_connection(api.host, api.port)
    writer.write(f"POST {path}/information HTTP/1.1\r\nHost: {api.host}\r\nAuthorization: {caller['Authorization']}\r\n"
                 f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {length}\r\n"
                 "Expect: 100-continue\r\n\r\n".encode())
    await writer.drain()
    try:
        async with asyncio.timeout(10):  # bounds the wait only: the answer comes without the body
            return await reader.readuntil(b"\r\n\r\n")
    finally:
        writer.close()


async def test_a_form_refused_by_the_forms_in_flight_is_refused_instead_of_invited_to_send_its_body(
    api, mongo_uri, monkeypatch,
):
    """A second form of a caller sending one, and a form finding no room among the forms in flight, are answered the
    refusal their body would get (429, 503) instead of `100 Continue`, so the body is not sent for nothing."""
    forms = uploads.InFlight(uploads.MAX_FORM_BYTES, uploads.FORMS_IN_FLIGHT.busy, one_each=uploads.FORMS_IN_FLIGHT.one_each)
    monkeypatch.setattr(uploads, "FORMS_IN_FLIGHT", forms)
    one = await opened(api)
    theirs = await opened_by(api, OTHER_CUSTOMER)
    _, held = await asyncio.open_connection(api.host, api.port)
    held.write(held_open(api, theirs, OTHER_CUSTOMER))
    await held.drain()
    await until(lambda: forms.held == uploads.MAX_FORM_BYTES)
    try:
        second = await first_head(api, theirs, OTHER_CUSTOMER)
        no_room = await first_head(api, one, CUSTOMER)
    finally:
        held.close()
    assert second.startswith(b"HTTP/1.1 429") and b"application/problem+json" in second, second
    assert no_room.startswith(b"HTTP/1.1 503") and b"\r\nretry-after: " in no_room.lower(), no_room
    await until(lambda: forms.held == 0)
    assert (await first_head(api, one, CUSTOMER)).startswith(b"HTTP/1.1 100 Continue")  # room again: invited
    assert await stored_attachments(api, mongo_uri) == 0
