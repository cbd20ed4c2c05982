"""Room for claims: a lane's free places, shared so that an idle lane keeps its share during a run."""

from disputes.lanes import Lanes


def test_with_one_lane_the_room_is_its_free_places():
    lanes = Lanes(per_lane=3)
    assert lanes.room() == 3
    places = [lanes.enter() for _ in range(3)]
    assert lanes.room() == 0  # not read yet: they count, whatever their lane turns out to be
    for place in places:
        place.move_to("dhl")
    assert lanes.room() == 0
    places[0].leave()
    assert lanes.room() == 1 and lanes.changed.is_set()


def test_an_idle_lane_keeps_its_share_for_the_run_and_loses_it_in_the_next():
    lanes = Lanes(per_lane=2)
    slow = [lanes.enter() for _ in range(2)]
    for place in slow:
        place.move_to("yurtici")
    fast = lanes.enter()
    fast.move_to("aras")
    assert lanes.room() == 1
    fast.leave()
    assert lanes.room() == 2  # aras is idle but keeps its share: yurtici being full takes nothing from it
    extra = lanes.enter()
    extra.move_to("yurtici")  # claimed into aras's share, it waits for a yurtici place
    assert lanes.room() == 1
    lanes.start_run()
    assert lanes.room() == 2 - 3  # a new run: only yurtici is met, and it holds three
