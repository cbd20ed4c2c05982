"""The index audit itself: it passes what the declared indexes serve and catches what they do not."""

from tests.query_plans import served, unindexed


def test_queue_queries_are_served_by_their_indexes():
    assert served("disputes", {"status": {"$in": ["opened"]}}, ["queue_key"])
    assert served("disputes", {}, ["queue_key"])
    assert served("disputes", {"order.carrier": "ups", "queue_key": {"$gt": "2026-11-18T09:30:00.000|dsp_1"}}, ["queue_key"])
    assert not served("disputes", {"status": {"$in": ["opened"]}}, ["sla.decision_due", "_id"])
    assert served("disputes", {"customer_id": "c", "opened_at": {"$gte": 1}}, [])
    assert served("disputes", {"_id": "dsp_1", "version": 3}, [])


def test_claims_are_served_by_their_kinds_index():
    now = {"$lte": 1}
    assert served("disputes", {"due.assess": now, "lease.assess.until": {"$not": {"$gt": 1}}}, ["due.assess"])
    assert served("carrier_events", {"due.attach_pushed": now, "carrier": {"$nin": ["ups"]}}, ["due.attach_pushed"])


def test_a_partial_index_needs_its_condition_in_the_query():
    assert served("disputes", {"shipment_key": "o/s", "holds_shipment": True}, [])
    assert not served("disputes", {"shipment_key": "o/s"}, [])


def test_unindexed_filters_and_in_memory_sorts_are_reported():
    assert not served("disputes", {"statement": "x"}, [])
    assert not served("disputes", {"status": {"$in": ["opened"]}}, ["opened_at"])
    problems = unindexed([("find", {"find": "disputes", "filter": {"order.items.sku": "x"}})])
    assert problems == ["find on disputes: filter ['order.items.sku'] sort []"]


def test_a_walk_of_the_id_index_is_served_but_a_scan_is_not():
    assert served("staff", {}, ["_id"])
    assert served("staff", {"_id": {"$gt": "inv-1"}}, ["_id"])
    assert not served("staff", {}, [])
    assert not served("staff", {"active": True}, ["_id"])
