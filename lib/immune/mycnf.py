"""Database credentials from a MySQL option file, never from the command line.

:func:`read_client_options` reads ``[client]`` and then one named group
(later values win, as the ``mysql`` client does), following ``!include``
and ``!includedir``, with the option-file quirks: keys without values
(``ssl``, ``skip-ssl``), ``-`` and ``_`` alike in keys, values in single or double
quotes with backslash escapes, ``#`` comments at the end of unquoted values.
A file that others could read or write is refused: it holds a password.
:func:`read_groups` and :func:`client_options` split that in two, for a
caller that needs several groups of one file but reads it once.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator

DEFAULT_FILE = "~/.my.cnf"
KEYS = ("user", "password", "host", "port", "socket", "database", "ssl-ca", "ssl-cert",
        "ssl-key")
FLAGS = ("ssl", "ssl-verify-server-cert")   # may stand alone: "ssl" means "ssl=1"
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "s": " ", "\\": "\\", "'": "'",
            '"': '"', "0": "\0"}
_MAX_DEPTH = 8


class OptionFileError(Exception):
    """An option file that cannot be used; the message is one line, never a secret."""


def check_private(path: str) -> None:
    """Refuse *path* unless only its owner may read and write it."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise OptionFileError(f"no defaults file: {path} does not exist "
                              f"(give --defaults-file)") from None
    except OSError as err:
        raise OptionFileError(f"cannot read defaults file {path}: {err.strerror}") from None
    if not stat.S_ISREG(mode):
        raise OptionFileError(f"defaults file {path} is not a regular file")
    if mode & 0o066:
        raise OptionFileError(f"defaults file {path} is readable or writable by group/others "
                              f"(mode {stat.S_IMODE(mode):04o}): refused, chmod 600 it")


def _unquote(raw: str) -> str:
    """The value of ``key = raw`` as the MySQL client reads it."""
    text = raw.strip()
    if text[:1] in ("'", '"'):
        quote, out, i = text[0], [], 1
        while i < len(text) and text[i] != quote:
            if text[i] == "\\" and i + 1 < len(text):
                i += 1
                out.append(_ESCAPES.get(text[i], "\\" + text[i]))
            else:
                out.append(text[i])
            i += 1
        return "".join(out)
    for i, char in enumerate(text):   # an unquoted value ends at a ' #' comment
        if char == "#" and (i == 0 or text[i - 1].isspace()):
            text = text[:i]
            break
    return text.rstrip()


def _lines(path: str, depth: int = 0) -> Iterator[str]:
    """The lines of *path* with ``!include``/``!includedir`` expanded in place."""
    if depth > _MAX_DEPTH:
        raise OptionFileError(f"defaults file {path}: !include nested too deeply")
    check_private(path)
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError as err:
        raise OptionFileError(f"cannot read defaults file {path}: {err.strerror}") from None
    base = os.path.dirname(path)
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("!include "):
            yield from _lines(os.path.join(base, stripped[9:].strip()), depth + 1)
        elif stripped.startswith("!includedir "):
            folder = os.path.join(base, stripped[12:].strip())
            names = sorted(n for n in _listdir(folder) if n.endswith((".cnf", ".ini")))
            for name in names:
                yield from _lines(os.path.join(folder, name), depth + 1)
        else:
            yield stripped   # leading blanks are no continuation lines in option files


def _listdir(folder: str) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError as err:
        raise OptionFileError(f"cannot read !includedir {folder}: {err.strerror}") from None


def read_groups(path: str) -> dict[str, dict[str, str | None]]:
    """Every group of the option file *path*: ``{group: {key: value or None}}``."""
    import configparser

    parser = configparser.RawConfigParser(allow_no_value=True, strict=False,
                                          delimiters=("=",), comment_prefixes=("#", ";"),
                                          inline_comment_prefixes=None,
                                          empty_lines_in_values=False)
    parser.optionxform = lambda key: key.strip().lower().replace("_", "-")  # type: ignore
    try:
        parser.read_string("\n".join(_lines(os.path.expanduser(path))), source=path)
    except configparser.Error as err:
        first = str(err).splitlines()[0]
        raise OptionFileError(f"defaults file {path} is not an option file: "
                              f"{first[:120]}") from None
    return {name: {key: None if value is None else _unquote(value)
                   for key, value in parser.items(name)}
            for name in parser.sections()}


def read_client_options(path: str | None = None, group: str | None = None) -> dict[str, str]:
    """user, password, host, port, socket, database, TLS keys for *group* (over ``[client]``).

    Only the keys present are returned. A named group that the file lacks
    is an error: a typo must not silently connect with other credentials.
    """
    path = option_file(path)
    return client_options(read_groups(path), group, path)


def option_file(path: str | None = None) -> str:
    """The option file to read: *path*, else :data:`DEFAULT_FILE`, ``~`` expanded."""
    return os.path.expanduser(path or DEFAULT_FILE)


def client_options(groups: dict[str, dict[str, str | None]], group: str | None,
                   path: str) -> dict[str, str]:
    """:func:`read_client_options` for *group* from the already read *groups* of *path*.

    Read the file once with :func:`read_groups`, then pick as many groups as
    needed; *path* only names the file in messages.
    """
    if group and group not in groups:
        raise OptionFileError(f"defaults file {path} has no [{group}] group")
    if not group and "client" not in groups:
        raise OptionFileError(f"defaults file {path} has no [client] group")
    options: dict[str, str] = {}
    for name in ("client", group):
        for key, value in groups.get(name or "", {}).items():
            if key in KEYS and value is not None:
                options[key] = value
            elif key in FLAGS:
                options[key] = "1" if value is None else value
    return options
