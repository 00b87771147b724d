import os

import pytest
from immune.domain import CheckError
from immune.walk import Walk, has_wildcards, split_glob


def make_tree(root):
    (root / "sub" / "deeper").mkdir(parents=True)
    files = {"a.log": 10, "b.log": 0, "c.txt": 7, "sub/d.log": 300, "sub/deeper/e.log": 5}
    for name, size in files.items():
        (root / name).write_bytes(b"x" * size)
    (root / "link.log").symlink_to(root / "sub" / "d.log")
    (root / "dirlink").symlink_to(root / "sub")
    os.mkfifo(root / "fifo.log")
    return files


def os_walk_truth(root, recursive, suffix=""):
    """The independent truth: os.walk and os.lstat, regular files only."""
    found = {}
    for here, dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(here, name)
            st = os.lstat(path)
            if os.path.isfile(path) and not os.path.islink(path) and name.endswith(suffix):
                found[path] = st.st_size
        if not recursive:
            dirs.clear()
    return found


@pytest.mark.parametrize("recursive", [False, True])
@pytest.mark.parametrize("pattern,suffix", [(None, ""), ("*.log", ".log")])
def test_yields_regular_files_like_os_walk(tmp_path, recursive, pattern, suffix):
    make_tree(tmp_path)
    walk = Walk(str(tmp_path), pattern, recursive)
    seen = {info.path: info.size for info in walk}
    assert seen == os_walk_truth(tmp_path, recursive, suffix)
    assert not walk.truncated
    assert all(abs(info.mtime - os.stat(info.path).st_mtime) < 1e-6
               for info in Walk(str(tmp_path), pattern, recursive))


def test_stops_at_the_limit_and_says_so(tmp_path):
    for i in range(30):
        (tmp_path / f"f{i}").write_bytes(b"")
    walk = Walk(str(tmp_path), limit=12)
    assert len(list(walk)) == 12
    assert walk.truncated and walk.examined == 12
    whole = Walk(str(tmp_path), limit=30)
    assert len(list(whole)) == 30 and not whole.truncated


def test_limit_counts_entries_that_do_not_match(tmp_path):
    for i in range(20):
        (tmp_path / f"skip{i}.txt").write_bytes(b"")
    walk = Walk(str(tmp_path), "*.log", limit=5)
    assert list(walk) == [] and walk.truncated


def test_missing_or_non_directory_top_is_a_check_error(tmp_path):
    with pytest.raises(CheckError, match="cannot read directory .*No such file"):
        list(Walk(str(tmp_path / "missing")))
    (tmp_path / "file").write_text("x")
    with pytest.raises(CheckError, match="Not a directory"):
        list(Walk(str(tmp_path / "file")))


def test_globs_split_into_literal_directory_and_name_pattern():
    assert split_glob("/backups/db-*.sql.gz") == ("/backups", "db-*.sql.gz")
    assert split_glob("*.log") == (".", "*.log")
    assert has_wildcards("a[0-9]") and not has_wildcards("/var/log")
    for bad in ("/var/*/x.log", "/var/log/"):
        with pytest.raises(ValueError):
            split_glob(bad)
