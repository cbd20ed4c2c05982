"""Room for claims: a lane's free places, shared so that an idle lane keeps its share during a run."""

from disputes.lanes import Lanes


def test_with_one_lane_the_room_is_its_free_places():
    lanes = Lanes(per_lane=3)
    assert lanes.room() == 3
    places = [lanes.enter() for _ in range(3)]
    assert lanes.room() == 0  # not read yet: they count, whatever their lane turns out to be
    for place in places:
        place.move_to("dhl")
    assert lanes.room() == 1  # dhl is full; one place is kept for a carrier not met yet
    places[0].leave()
    assert lanes.room() == 2 and lanes.changed.is_set()


def test_a_lane_that_hangs_does_not_hide_the_lanes_behind_it():
    lanes = Lanes(per_lane=1)
    lanes.enter().move_to("hepsijet")  # its pull never ends
    for carrier in ("ups", "dhl", "ptt"):
        assert lanes.room() == 1
        lanes.enter().move_to(carrier)
    assert lanes.room() == 1


def test_an_idle_lane_keeps_its_share_for_the_run_and_loses_it_in_the_next():
    lanes = Lanes(per_lane=2)
    slow = [lanes.enter() for _ in range(2)]
    for place in slow:
        place.move_to("yurtici")
    assert lanes.room() == 1  # yurtici is full: the place kept for a carrier not met yet
    fast = lanes.enter()
    fast.move_to("aras")
    assert lanes.room() == 2
    fast.leave()
    assert lanes.room() == 3  # aras is idle but keeps its share: yurtici being full takes nothing from it
    extra = lanes.enter()
    extra.move_to("yurtici")  # claimed into aras's share, it waits for a yurtici place
    assert lanes.room() == 2
    lanes.start_run()
    assert lanes.room() == 2 + 1 - 3  # a new run: only yurtici is met, and it holds three


def test_while_places_are_held_less_room_than_the_least_claim_is_none():
    lanes = Lanes(per_lane=4, least=2)
    places = [lanes.enter() for _ in range(4)]
    places[0].leave()
    assert lanes.room() == 0 and lanes.changed.is_set()  # one place free: wait for another
    places[1].leave()
    assert lanes.room() == 2
    places[2].leave()
    places[3].leave()
    assert lanes.room() == 4


def test_a_place_moves_only_into_a_lane_with_room_unless_it_is_there_already():
    lanes = Lanes(per_lane=2)
    slow = [lanes.enter() for _ in range(2)]
    for place in slow:
        assert place.move_if_room("notifications")
    sent = lanes.enter()
    assert sent.move_if_room("payments")
    assert not sent.move_if_room("notifications")  # full: it stays where it is
    assert lanes.full() == {"notifications"} and lanes.room() == 2 * 2 + 1 - 3
    assert slow[0].move_if_room("notifications")  # already in it
    slow[0].leave()
    assert sent.move_if_room("notifications")


def test_where_items_are_given_back_from_a_full_lane_a_claim_is_no_larger_than_the_fewest_free_places_of_one():
    lanes = Lanes(per_lane=3, given_back_when_full=True)
    busy = [lanes.enter() for _ in range(3)]
    for place in busy:
        place.move_to("notifications")
    turned = lanes.enter()
    assert not turned.move_if_room("notifications")  # full: its item is given back
    turned.give_back()
    busy.pop().leave()
    lanes.enter().move_to("payments")  # two of its places free
    assert lanes.room() == 1  # notifications' last place: a claim of more could bring it items only to give back
    unread = lanes.enter()
    assert lanes.room() == 0  # that place may be the unread item's
    unread.move_to("notifications")
    assert lanes.full() == {"notifications"} and lanes.room() == 3  # skipped by claims now
    busy[0].leave()
    assert lanes.room() == 1


def test_a_lane_nearly_full_with_items_that_all_found_a_place_does_not_bound_claims():
    lanes = Lanes(per_lane=3, given_back_when_full=True)
    slow = [lanes.enter() for _ in range(2)]
    for place in slow:
        place.move_to("payments")  # a slow service, its last place free: nothing was turned away from it
    lanes.enter().move_to("notifications")
    assert lanes.room() == 4  # the others' claims are not cut down to payments' last place

    busy = [lanes.enter() for _ in range(2)]
    for place in busy:
        place.move_to("notifications")
    turned = lanes.enter()
    assert not turned.move_if_room("notifications")
    turned.give_back()
    busy[0].leave()
    assert lanes.room() == 1  # notifications turned an item away: its last place bounds claims now
