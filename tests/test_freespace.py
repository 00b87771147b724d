"""check_disk's thresholds: limits, groups of -p paths, -C, judging and perfdata levels."""

import argparse
import copy
import pickle

import pytest
from immune.domain import Critical, Warn
from immune.freespace import MB, Thresholds, add_options, limit, plan_thresholds, units
from immune.mounts import Usage
from immune.options import CheckParser, UsageError


def parse(*argv):
    parser = CheckParser("check_disk", "test")
    add_options(parser)
    parser.add_argument("-u", "--units", type=units, default=MB)
    args = parser.parse_args(argv)
    return plan_thresholds(args.plan, args.units)


def show(thresholds):
    return None if thresholds is None else (
        [str(w) for w in thresholds.warning], [str(c) for c in thresholds.critical],
        str(thresholds.iwarning or ""), str(thresholds.icritical or ""))


def test_without_paths_every_mount_gets_the_thresholds():
    others, paths = parse("-w", "20%", "-c", "10%", "-W", "5", "-K", "2%")
    assert show(others) == (["20%"], ["10%"], "5%", "2%") and paths == []
    others, paths = parse()
    assert show(others) == ([], [], "", "") and not others.inodes


def test_groups_as_in_the_c_plugin_help():
    # "Checks /tmp and /var at 10% and 5%, and / at 100MB and 50MB" (units kB here)
    others, paths = parse("-w", "10%", "-c", "5%", "-p", "/tmp", "-p", "/var", "-C",
                          "-w", "100000", "-c", "50000", "-u", "kB", "-p", "/")
    assert others is None
    assert [(p, show(t)) for p, t in paths] == [
        ("/tmp", (["10%"], ["5%"], "", "")), ("/var", (["10%"], ["5%"], "", "")),
        ("/", (["100000 kB"], ["50000 kB"], "", ""))]
    # "Checks /foo for 1000M/500M and /bar for 5/3%. All remaining volumes use 100M/50M"
    others, paths = parse("-w", "100", "-c", "50", "-C", "-w", "1000", "-c", "500", "-p",
                          "/foo", "-C", "-w", "5%", "-c", "3%", "-p", "/bar")
    assert show(others) == (["100 MB"], ["50 MB"], "", "")
    assert [(p, show(t)[:2]) for p, t in paths] == [("/foo", (["1000 MB"], ["500 MB"])),
                                                    ("/bar", (["5%"], ["3%"]))]


def test_paths_before_any_threshold_take_the_last_ones():
    _, paths = parse("-p", "/", "-w", "10%", "-c", "5%")
    assert show(paths[0][1])[:2] == (["10%"], ["5%"])


def test_percent_and_size_floors_judge_and_give_used_levels():
    usage = Usage(used=900 * MB, free=100 * MB, files=100, ffree=3)  # 10% free, 3% inodes
    both = Thresholds((limit("15%").resolve(MB), limit("50").resolve(MB)),
                      (limit("20MB").resolve(MB),), limit("5%"), None)
    assert both.judge(usage) == (Warn, "free below 15%")
    assert Thresholds((), (limit("200").resolve(MB),)).judge(usage) == \
        (Critical, "free below 200 MB")
    assert Thresholds((), (), limit("5%"), limit("4%")).judge(usage) == \
        (Critical, "free inodes below 4%")
    assert Thresholds((limit("10%").resolve(MB),)).judge(usage) is None  # 10% is not below
    warn, crit = both.used_levels(usage)
    assert (str(warn), str(crit)) == ("850", "980")
    huge = Thresholds((limit("2GB"),))
    assert str(huge.used_levels(usage)[0]) == "0"  # never below zero


def test_a_limit_is_an_immutable_value():
    bare = limit(" 50 ")
    resolved = bare.resolve(1024)
    assert (bare.size, bare.multiple, str(bare)) == (None, MB, "0 MB")
    assert (resolved.size, resolved.multiple, str(resolved)) == (51200, 1024, "50 kB")
    with pytest.raises(AttributeError):
        bare.size = 1
    assert resolved == limit("50").resolve(1024) != bare
    assert copy.deepcopy(resolved) == pickle.loads(pickle.dumps(resolved)) == resolved


@pytest.mark.parametrize("text", ["10:5", "101%", "-3", "nan", "inf", "5XB", "%", "abc%"])
def test_bad_limits(text):
    with pytest.raises(argparse.ArgumentTypeError):
        limit(text)
    with pytest.raises(UsageError):
        parse("-w", text)


def test_units():
    assert units("kB") == 1024 and units("bytes") == 1 and units("GB") == 1024 * MB
    with pytest.raises(argparse.ArgumentTypeError):
        units("PB")
