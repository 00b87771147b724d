"""Parallel calls with a time limit: answers, chosen errors, and a real hung mount abandoned."""

import json
import os
import sys
import threading
import time

import pytest
from components.mountns import private_mounts
from immune.parallel import HUNG, answers_within


def test_each_item_gets_its_answer_or_its_error_once():
    def call(item):
        if item < 0:
            raise FileNotFoundError(2, "negative")
        return item * 2

    answers = answers_within(call, [3, -1, 3, 0], 5)
    assert list(answers) == [3, -1, 0]
    assert answers[3] == 6 and answers[0] == 0
    assert isinstance(answers[-1], FileNotFoundError)


def test_errors_chooses_which_exceptions_are_answers():
    def call(item):
        raise UnicodeError(item)

    [answer] = answers_within(call, ["x"], 5, errors=(OSError, UnicodeError)).values()
    assert isinstance(answer, UnicodeError)


def test_a_call_that_does_not_return_in_time_is_hung_and_the_others_still_count():
    release = threading.Event()

    def call(item):
        if item == "slow":
            release.wait(10)
        return item

    start = time.monotonic()
    try:
        answers = answers_within(call, ["slow", "fast"], 0.2)
    finally:
        release.set()
    assert 0.2 <= time.monotonic() - start < 5
    assert answers == {"slow": HUNG, "fast": "fast"}


@pytest.mark.parametrize("seconds", [0, -1])
def test_no_time_left_waits_for_nothing(seconds):
    release = threading.Event()
    start = time.monotonic()
    try:
        answers = answers_within(lambda item: release.wait(10), ["a"], seconds)
    finally:
        release.set()
    assert time.monotonic() - start < 5
    assert answers == {"a": HUNG}


def test_hung_mount_is_abandoned_and_escaped_names_are_read(mount_base):
    hung, spaced = str(mount_base / "hung"), str(mount_base / "with space")
    code = (
        "import json, sys, time\n"
        "from immune.mounts import read_mounts, usage_of\n"
        "from immune.parallel import answers_within\n"
        "start = time.monotonic()\n"
        f"answers = answers_within(usage_of, [{hung!r}, {spaced!r}], 0.3)\n"
        "print(json.dumps({'seconds': time.monotonic() - start,\n"
        "  'answers': {k: type(v).__name__ for k, v in answers.items()},\n"
        "  'points': [m.mountpoint for m in read_mounts()]}))\n"
    )
    report = private_mounts([("hung", hung), ("tmpfs", spaced, "size=1m", None)],
                            [sys.executable, "-c", code])
    [run] = report["runs"]
    assert run["code"] == 0, run
    seen = json.loads(run["stdout"])
    assert 0.3 <= seen["seconds"] < 0.6
    assert seen["answers"] == {hung: type(HUNG).__name__, spaced: "Usage"}
    assert spaced in seen["points"] and hung in seen["points"]
    assert not os.path.ismount(spaced)  # it never existed outside the namespace
