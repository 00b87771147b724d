import os
import pwd

from immune.users import find_user


def test_finds_a_user_by_name_or_id():
    me = pwd.getpwuid(os.getuid())
    assert find_user(me.pw_name) == me
    assert find_user(str(me.pw_uid)) == me
    assert find_user("0").pw_name == "root"


def test_no_such_user_is_none():
    assert find_user("no-such-user-here") is None
    unused = max(entry.pw_uid for entry in pwd.getpwall()) + 1
    assert find_user(str(unused)) is None
