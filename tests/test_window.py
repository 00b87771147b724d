from immune.window import MAX_EVENTS, EventWindow


def test_events_count_while_younger_than_the_window():
    window = EventWindow(100)
    window.add(1000, 2)
    window.add(1050, 3)
    window.add(1060, 0)
    assert [window.total(t) for t in (1000, 1099, 1100, 1149, 1150)] == [5, 5, 3, 3, 0]


def test_state_round_trip_prunes_old_and_clamps_future_events():
    window = EventWindow(100)
    for at, count in ((800, 1), (1000, 2), (1500, 4)):
        window.add(at, count)
    saved = window.to_state(1020)
    assert saved == [[1000, 2], [1020, 4]]
    assert EventWindow(100, saved).total(1020) == 6


def test_malformed_state_is_ignored():
    junk = [[1, "x"], [True, 1], "a", [1, 2, 3], [float("nan"), 1], [5, -1], [10, 2]]
    assert EventWindow(100, junk).total(10) == 2
    assert EventWindow(100, {"a": 1}).total(10) == 0


def test_many_events_are_merged_without_losing_counts():
    window = EventWindow(10000)
    for second in range(5000):
        window.add(10000 + second, 1)
    saved = window.to_state(15000)
    assert len(saved) <= MAX_EVENTS
    assert sum(count for _, count in saved) == 5000
    assert EventWindow(10000, saved).total(15000) == 5000
