"""Examples for the OpenAPI document, written from its own schemas: every JSON request and success answer gets
one, with realistic values for the fields a reader looks at first (ids, words, amounts, instants). The tests
hold each example to its schema and to the pydantic model it stands for."""

import re
from typing import Any

NOW = "2026-11-18T09:30:00Z"
VALUES: dict[str, Any] = {
    "id": "dsp_6f1d0c2a9b8e4f3a", "dispute_id": "dsp_6f1d0c2a9b8e4f3a", "order_id": "ord-20261116-0042",
    "shipment_id": "shp-0042-1", "customer_id": "cust-81237", "tracking_number": "1Z204W4R0308071865",
    "carrier": "ups", "sku": "sku-kettle", "assignee": "inv-ayse", "actor": "inv-ayse", "decided_by": "inv-ayse",
    "asked_by": "inv-ayse", "raised_by": "system", "submitted_by": "cust-81237", "author": "cust-81237",
    "opened_by_agent": None, "reviewed_by": "sup-zeynep", "staff_id": "inv-ayse", "ref": "att_3b9e0f7c",
    "statement": "Kargo teslim edildi görünüyor ama paket elime ulaşmadı.", "reason": "Paket kapıcıda bulundu.",
    "note": "Teslim fotoğrafı başka bir kapıyı gösteriyor.", "text": "Paketi komşularınıza sordunuz mu?",
    "question": "Paketi komşularınıza veya kapıcıya sordunuz mu?", "override_reason": None,
    "name": "Ayşe Kaya", "buyer_name": "Elif Demir", "recipient_name": "Elif Demir", "received_by": "Elif Demir",
    "city": "İstanbul", "district": "Beşiktaş", "country": "TR", "postal_code": "34353", "currency": "TRY",
    "en": "We have asked the carrier for its proof of delivery. You will have our answer by 20.11.2026.",
    "tr": "Kargo firmasından teslimat kanıtını istedik. En geç 20.11.2026 tarihinde yanıt vereceğiz.",
    "version": 3, "value_minor": 129_900, "unit_price_minor": 129_900, "quantity": 1, "priority": 0,
    "confidence": 0.82, "next_cursor": None, "title": "Çay makinesi", "code": "signature_missing",
    "url": "https://carrier.example/pod/1Z204W4R0308071865.jpg", "media_type": "image/jpeg",
}


def fill(document: dict[str, Any]) -> None:
    """Adds an example to every JSON request body and success answer of the document that has none."""
    schemas = document["components"]["schemas"]
    for operation in (op for operations in document["paths"].values() for op in operations.values()):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None and "example" not in body:
            body["example"] = _example(body["schema"], schemas, request=True)
        for status, answer in operation["responses"].items():
            content = answer.get("content", {}).get("application/json")
            if not status.startswith("2") or content is None or "example" in content:
                continue
            if mapping := content["schema"].get("discriminator", {}).get("mapping"):
                content["examples"] = {view: {"summary": f"As the {view} side sees it",
                                              "value": _example({"$ref": ref}, schemas, request=False)}
                                       for view, ref in mapping.items()}
            else:
                content["example"] = _example(content["schema"], schemas, request=False)


def _example(schema: dict[str, Any], schemas: dict[str, Any], *, request: bool, name: str = "") -> Any:
    if ref := schema.get("$ref"):
        model = ref.rsplit("/", 1)[-1]
        if request and model in REQUESTS:
            return REQUESTS[model]
        value = _example(schemas[model], schemas, request=request, name=name)
        return value | FIXED.get(model, {}) if isinstance(value, dict) else value
    for key in ("const", "examples", "enum"):
        if key in schema:
            return schema[key] if key == "const" else schema[key][0]
    if name in VALUES and (VALUES[name] is not None or _nullable(schema)):
        return VALUES[name]
    if options := schema.get("anyOf") or schema.get("oneOf"):
        chosen = next((option for option in options if option.get("type") != "null"), options[0])
        return _example(chosen, schemas, request=request, name=name)
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    return _of_type(schema, schemas, request=request, name=name)


def _of_type(schema: dict[str, Any], schemas: dict[str, Any], *, request: bool, name: str) -> Any:
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        wanted = schema.get("required", []) if request else schema.get("properties", {})
        properties = schema.get("properties", {})
        if properties:
            return {key: _example(properties[key], schemas, request=request, name=key) for key in wanted}
        extra = schema.get("additionalProperties")
        return {"refund": _example(extra, schemas, request=request)} if isinstance(extra, dict) and extra else {}
    if kind == "array":
        return [] if schema.get("maxItems") == 0 else [_example(schema.get("items", {}), schemas, request=request)]
    if kind == "integer":
        return max(schema.get("minimum", 1), min(schema.get("maximum", 1), 1))
    if kind == "number":
        return max(schema.get("minimum", 0.5), min(schema.get("maximum", 0.5), 0.5))
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    if by_format := {"date-time": NOW, "date": NOW[:10], "uri": VALUES["url"]}.get(schema.get("format", "")):
        return by_format
    candidates = [f"{name}_1" if name else "value", "example"]
    pattern = schema.get("pattern")
    return next((text for text in candidates if pattern is None or re.search(pattern, text)), candidates[0])


def _nullable(schema: dict[str, Any]) -> bool:
    return any(option.get("type") == "null" for option in schema.get("anyOf", ()))


FIXED: dict[str, dict[str, Any]] = {
    "Attachment": {"content_b64": None, "ref": None},  # one of the three
    "ProofOfDelivery": {"photo": None, "document": None},  # each of its own kind: the signature stands for them
    "OrderItem": {"name": "Çay makinesi", "digital": None, "unit_weight_grams": 1_150},
    # an opened case: not decided yet
    **dict.fromkeys(("DisputeView", "CustomerDisputeView", "AgentDisputeView"), {"missing_items": [], "decision": None}),
}
"""What a field of a model is in a consistent example, where its name alone does not tell."""

REQUESTS: dict[str, Any] = {
    "OpenDispute": {"order_id": "ord-20261116-0042", "shipment_id": "shp-0042-1",
                    "statement": VALUES["statement"], "preferred_resolution": "refund"},
    "DecisionRequest": {"outcome": "refund", "reason_code": "carrier_no_proof",
                        "note": "Kargo firması teslimat kanıtı sunmadı."},
}
"""Requests whose fields depend on each other (an outcome and its reason), written out."""
