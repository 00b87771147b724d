"""argparse's messages in English, without loading gettext.

argparse passes every message it prints through ``gettext.gettext``. Looking
for a translation catalogue costs importing ``gettext`` and ``locale`` and
searching the locale directories, 8 M instructions (about 3 ms) of every
check run, for messages that must stay English anyway: a check's output is
read by Nagios and by the operators' alert rules, whatever the host's locale.

:func:`install` registers a stand-in module under the name ``gettext``
whose ``gettext`` and ``ngettext`` return the message unchanged. Asked for
anything else, the stand-in gives way: the real module is imported in its
place and answers. The checks package installs it before any check module
imports argparse; an application importing ``immune.counters`` never does.
"""

from __future__ import annotations

import sys
import types


def _unchanged(message: str) -> str:
    return message


def _unchanged_plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


class _EnglishGettext(types.ModuleType):
    """Stand-in for ``gettext``: identity translations, the real module for the rest."""

    gettext = staticmethod(_unchanged)
    ngettext = staticmethod(_unchanged_plural)

    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):  # the import system asking for __path__ and the like
            raise AttributeError(name)
        if sys.modules.get("gettext") is self:
            del sys.modules["gettext"]
        return getattr(__import__("gettext"), name)


def install() -> None:
    """Register the stand-in, unless the real ``gettext`` is already loaded."""
    if "gettext" not in sys.modules:
        sys.modules["gettext"] = _EnglishGettext("gettext", __doc__)
