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


def test_a_range_the_sorting_index_does_not_hold_is_not_served_by_walking_it():
    """Walking `queue_order` for its order and fetching every case to test a period reads every case ever stored."""
    period = {"$type": "date", "$gte": 1, "$lt": 2}
    assert not served("disputes", {"decision.decided_at": period}, ["queue_key"])
    assert not served("disputes", {"opened_at": period}, ["queue_key"])
    problems = unindexed([("find", {"find": "disputes", "filter": {"decision.decided_at": period},
                                    "sort": {"queue_key": 1}, "limit": 101})])
    assert problems == ["find on disputes: filter ['decision.decided_at'] sort ['queue_key']"]


def test_a_period_read_from_the_index_the_query_names_is_served_with_a_bounded_sort():
    period = {"$type": "date", "$gte": 1, "$lt": 2}
    command = {"find": "disputes", "filter": {"decision.decided_at": period, "opened_at": period, "status": "resolved",
                                              "queue_key": {"$gt": "k"}},
               "sort": {"queue_key": 1}, "limit": 101, "hint": "queue_by_decision_period"}
    assert unindexed([("find", command)]) == []
    assert unindexed([("find", command | {"hint": "queue_by_opening_period"})]) != []  # a range it does not hold
    assert unindexed([("find", command | {"hint": "queue_order"})]) != []
    assert unindexed([("find", {k: v for k, v in command.items() if k != "limit"})]) != []  # an unbounded sort
