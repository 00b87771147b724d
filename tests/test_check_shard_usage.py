"""check_shard_usage end to end: several shards in parallel, a dead one named."""

import time

import pytest

SHARDS = {"shard_a": (300, 1000), "shard_b": (850, 1000), "shard_c": (120, 1000)}


@pytest.fixture
def shards(shop, tmp_path):
    """Three shard databases on the private server, and an option file naming them."""
    for name, (used, capacity) in SHARDS.items():
        shop.seed.create_schema(shop.conn, name)
        shop.seed.shard(shop.conn, used, capacity)
    groups = "".join(f"[{name}]\ndatabase={name}\n" for name in SHARDS)
    cnf = tmp_path / "shards.cnf"
    cnf.write_text(shop.cnf.read_text() + groups + "[shard_dead]\nport=1\n")
    cnf.chmod(0o600)
    return cnf


def run(shop, cnf, *args):
    return shop.run("check_shard_usage", "--defaults-file", str(cnf), "--metric",
                    "shard_usage", *args)


def test_every_shard_judged_worst_wins(shop, shards):
    out = run(shop, shards, "--shards", "shard_a,shard_b", "--shard", "shard_c",
              "-w", "80", "-c", "90").output
    assert out.state == "WARNING"
    assert out.summary == "shard shard_b 85% (above 80); 2 OK"
    assert list(out.perfdata) == ["shard_a", "shard_b", "shard_c"]
    for name, (used, capacity) in SHARDS.items():
        perf = out.perfdata[name]
        assert perf.value == 100 * used / capacity and (perf.warn, perf.crit) == ("80", "90")
    ok = run(shop, shards, "--shards", "shard_a,shard_c", "-w", "80").output
    assert ok.state == "OK"
    assert ok.summary == "customer shards: 2 shard(s), fullest shard_a at 30% of capacity"


def test_a_dead_shard_is_named_and_the_others_still_reported(shop, shards):
    out = run(shop, shards, "--shards", "shard_a,shard_dead,shard_b", "-w", "80").output
    assert out.state == "UNKNOWN"
    assert "shard shard_dead: cannot connect to 127.0.0.1:1" in out.summary
    assert "shard shard_b 85% (above 80)" in out.summary
    assert out.perfdata["shard_dead"].value is None and out.perfdata["shard_a"].value == 30


def test_shards_are_read_in_parallel_within_the_timeout(shop, shards, blackhole, tmp_path):
    slow = tmp_path / "slow.ini"
    slow.write_text("[slow]\nquery = SELECT SLEEP(0.6) + 1, 2\n")
    start = time.monotonic()
    out = run(shop, shards, "--metrics-file", str(slow), "--metric", "slow", "-t", "3",
              "--shards", "shard_a,shard_b,shard_c").output
    elapsed = time.monotonic() - start
    assert out.state == "OK" and len(out.perfdata) == 3
    assert elapsed < 1.6, f"3 x 0.6 s queries took {elapsed:.2f}s: not parallel"
    holes = [f"hole{i}" for i in range(4)]
    shards.write_text(shards.read_text() + "".join(f"[{h}]\nport={blackhole}\n" for h in holes))
    start = time.monotonic()
    out = run(shop, shards, "--shards", ",".join(["shard_a", *holes]), "-t", "1").output
    assert time.monotonic() - start < 1.8
    assert out.state == "UNKNOWN" and "shard hole0: " in out.summary
    assert out.perfdata["shard_a"].value == 30
    assert [out.perfdata[h].value for h in holes] == [None] * 4


def test_no_shards_or_bad_group(shop, shards):
    none = run(shop, shards).output
    assert none.state == "UNKNOWN" and "no shards" in none.summary
    typo = run(shop, shards, "--shard", "shard_x").output
    assert typo.state == "UNKNOWN" and "no [shard_x] group" in typo.summary
