#!/usr/bin/env python3
"""check_path: assertions about one path (type, symlink target, owner, mode, who can write).

The reference site's "rc2.d symlink found OK. Directory and permissions
verified": give one --path and any number of assertions; every one that
fails is reported (CRITICAL), not only the first. A missing path fails all.

--type file and dir, and the owner, group, mode and writability assertions
look through a symbolic link at what it points to (as test -f, -d, -w do);
--type symlink and --target look at the link itself. --writable-by is
computed from the mode bits, owner, group and the user's groups (primary and
supplementary), in the kernel's order: the owner's bits apply to the owner,
the group's to members, the others' to the rest; root can write anything.
ACLs, read-only mounts and immutable flags are not taken into account.
"""

import os
import stat

from immune.check import Check
from immune.domain import CheckError, Resource, Summary
from immune.facts import FactContext, fact, failed
from immune.plugin import Plugin

TYPES = {"file": stat.S_ISREG, "dir": stat.S_ISDIR, "symlink": stat.S_ISLNK}


class PathFacts(Resource):
    """One finding per assertion asked for."""

    def __init__(self, args):
        self.args = args

    def probe(self):
        args = self.args
        path = args.path
        try:
            link = os.lstat(path)
        except FileNotFoundError:
            yield fact("exists", False, f"{path} does not exist")
            return
        except OSError as err:
            raise CheckError(f"cannot stat {path}: {err.strerror}") from None
        yield fact("exists", True, f"{path} exists")
        is_link = stat.S_ISLNK(link.st_mode)
        if args.type == "symlink":
            yield fact("type", is_link, "is a symlink" if is_link
                       else f"is {kind(link)}, not a symlink")
        if args.target is not None:
            yield self.target(path, args.target, is_link)
        wanted = [a for a in ("owner", "group", "mode", "max_mode", "writable_by",
                              "not_writable_by") if getattr(args, a) is not None]
        if args.type in ("file", "dir"):
            wanted.append("type")
        if not wanted:
            return
        try:
            info = os.stat(path) if is_link else link
        except OSError:
            yield fact("resolves", False, f"dangling symlink to {os.readlink(path)}")
            return
        if args.type in ("file", "dir"):
            holds = TYPES[args.type](info.st_mode)
            yield fact("type", holds, f"is a {args.type}" if holds
                       else f"is {kind(info)}, not a {args.type}")
        yield from self.ownership(info)
        yield from self.permissions(info)

    def ownership(self, info):
        args = self.args
        if args.owner:
            uid = user_id(args.owner)
            yield fact("owner", info.st_uid == uid, f"owner {user_name(info.st_uid)}"
                       + ("" if info.st_uid == uid else f", not {args.owner}"))
        if args.group:
            gid = group_id(args.group)
            yield fact("group", info.st_gid == gid, f"group {group_name(info.st_gid)}"
                       + ("" if info.st_gid == gid else f", not {args.group}"))

    def permissions(self, info):
        args = self.args
        mode = stat.S_IMODE(info.st_mode)
        if args.mode is not None:
            yield fact("mode", mode == args.mode, f"mode {mode:04o}"
                       + ("" if mode == args.mode else f", not {args.mode:04o}"))
        if args.max_mode is not None:
            extra = mode & ~args.max_mode
            yield fact("max_mode", not extra, f"mode {mode:04o} " + (
                "is more permissive than" if extra else "within") + f" {args.max_mode:04o}")
        for user in args.writable_by or ():
            can = writable_by(info, user)
            yield fact(f"writable by {user}", can, f"{'' if can else 'not '}writable by {user}")
        for user in args.not_writable_by or ():
            can = writable_by(info, user)
            yield fact(f"not writable by {user}", not can,
                       f"{'' if can else 'not '}writable by {user}")

    @staticmethod
    def target(path, expected, is_link):
        if not is_link:
            return fact("target", False, "is not a symlink")
        actual = os.readlink(path)
        holds = actual == expected or os.path.realpath(path) == os.path.realpath(
            os.path.join(os.path.dirname(path), expected))
        return fact("target", holds, f"symlink to {actual}"
                    + ("" if holds else f", not {expected}"))


def kind(info):
    """'a file', 'a dir', 'a symlink' or 'a special file'."""
    for name, test in TYPES.items():
        if test(info.st_mode):
            return f"a {name}"
    return "a special file"


def user_entry(user):
    """The password entry of *user* (name or uid); CheckError when there is none."""
    from immune.users import find_user

    entry = find_user(user)
    if entry is None:
        raise CheckError(f"no such user: {user}")
    return entry


def user_id(user):
    return int(user) if user.isdigit() else user_entry(user).pw_uid


def group_id(group):
    import grp

    try:
        return int(group) if group.isdigit() else grp.getgrnam(group).gr_gid
    except KeyError:
        raise CheckError(f"no such group: {group}") from None


def user_name(uid):
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def group_name(gid):
    import grp

    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def writable_by(info, user):
    """Whether *user* may write the file or directory *info* describes, by its mode bits."""
    entry = user_entry(user)
    if entry.pw_uid == 0:
        return True
    if info.st_uid == entry.pw_uid:
        return bool(info.st_mode & stat.S_IWUSR)
    if info.st_gid in os.getgrouplist(entry.pw_name, entry.pw_gid):
        return bool(info.st_mode & stat.S_IWGRP)
    return bool(info.st_mode & stat.S_IWOTH)


class PathSummary(Summary):
    """``/etc/rc2.d/S20apache2 verified: symlink to ../init.d/apache2, mode 0777``."""

    def __init__(self, path):
        self.path = path

    def ok(self, results):
        said = [str(r) for r in results.results if r.metric and r.metric.name != "exists"]
        return f"{self.path} verified" + (f": {', '.join(said)}" if said else " (exists)")

    def problem(self, results):
        if "exists" in results and not results["exists"].metric.value:
            return str(results["exists"])
        return f"{self.path}: {'; '.join(failed(results))}"

    def verbose(self, results):
        return [f"{'ok' if int(r.state) == 0 else 'FAILED'}: {r}" for r in results.results]


def octal_mode(text):
    """An option type for permission bits in octal (``0755``, ``755``, ``2775``)."""
    from argparse import ArgumentTypeError

    if not (1 <= len(text) <= 4 and all(c in "01234567" for c in text)):
        raise ArgumentTypeError(f"'{text}' is not an octal mode from 0000 to 7777 (e.g. 0755)")
    return int(text, 8)


def options(parser):
    parser.add_argument("--path", required=True, metavar="PATH",
                        help="the file, directory or symlink to verify")
    parser.add_argument("--type", choices=sorted(TYPES),
                        help="it is a file, dir or symlink (file and dir look through links)")
    parser.add_argument("--target", metavar="T",
                        help="it is a symlink to T (literally, or resolving to the same path)")
    parser.add_argument("--owner", metavar="USER", help="its owner is USER (name or uid)")
    parser.add_argument("--group", metavar="GROUP", help="its group is GROUP (name or gid)")
    parser.add_argument("--mode", type=octal_mode, metavar="MODE",
                        help="its permission bits are exactly MODE (e.g. 0755)")
    parser.add_argument("--max-mode", type=octal_mode, metavar="MODE",
                        help="it has no permission bit beyond MODE (e.g. 0755: not "
                             "group or world writable)")
    parser.add_argument("--writable-by", action="append", metavar="USER",
                        help="USER may write it (repeatable)")
    parser.add_argument("--not-writable-by", action="append", metavar="USER",
                        help="USER may not write it (repeatable)")


def build(args, deadline):
    return Check(PathFacts(args), FactContext(), PathSummary(args.path))


PLUGIN = Plugin("PATH", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
