import time

import pytest
from immune.deadline import CheckTimeout, Deadline
from runner import alive


def test_remaining_shrinks_and_expires():
    d = Deadline(0.2)
    assert 0 < d.remaining() <= 0.2
    time.sleep(0.25)
    with pytest.raises(CheckTimeout) as err:
        d.remaining()
    assert "timeout after 0.2s while starting" == str(err.value)


def test_stage_names_nest_and_restore():
    d = Deadline(1)
    with d.stage("connecting"):
        with d.stage("reading"):
            assert d.stage_name == "reading"
        assert d.stage_name == "connecting"
    assert d.stage_name == "starting"


def test_hard_timer_interrupts_blocking_code_and_names_the_stage():
    d = Deadline(0.3)
    d.arm()
    start = time.monotonic()
    try:
        with pytest.raises(CheckTimeout) as err, d.stage("waiting for a slow server"):
            time.sleep(5)
    finally:
        d.disarm()
    assert time.monotonic() - start < 1
    assert err.value.stage == "waiting for a slow server"


def test_run_returns_output():
    done = Deadline(5).run(["/bin/echo", "hello"])
    assert done.returncode == 0 and done.stdout == b"hello\n"


def test_run_kills_the_whole_process_group_on_timeout(tmp_path):
    pidfile = tmp_path / "grandchild.pid"
    script = f"sleep 30 & echo $! > {pidfile}; wait"
    d = Deadline(0.5)
    start = time.monotonic()
    with pytest.raises(CheckTimeout):
        d.run(["/bin/sh", "-c", script])
    assert time.monotonic() - start < 1.5
    grandchild = int(pidfile.read_text())
    time.sleep(0.1)
    assert not alive(grandchild)


def test_a_program_that_cannot_start_is_a_one_line_check_error(tmp_path):
    from immune.domain import CheckError

    with pytest.raises(CheckError, match=f"cannot run {tmp_path}/nope: No such file"):
        Deadline(1).run([str(tmp_path / "nope")])
    with pytest.raises(CheckError, match="Permission denied"):
        Deadline(1).run([str(tmp_path)])


def test_usable_keeps_a_fixed_reserve():
    d = Deadline(2)
    assert 1.4 < d.usable(0.5) <= 1.5
    assert d.usable(5) == 0.0   # only the reserve left: none usable, not negative


def test_usable_keeps_a_share_of_the_budget_within_bounds():
    d = Deadline(10)
    assert 7.9 < d.usable(share=0.2) <= 8.0
    assert 8.9 < d.usable(share=0.2, most=1.0) <= 9.0     # capped
    assert 9.4 < d.usable(0.5, share=0.01) <= 9.5          # the fixed reserve is more
    assert 9.8 < d.usable() <= 10.0


def test_usable_raises_once_the_deadline_passed():
    d = Deadline(0.05)
    time.sleep(0.1)
    with pytest.raises(CheckTimeout):
        d.usable(0.01)
