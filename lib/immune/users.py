"""Users named on the command line: a login name or a numeric id.

Options such as ``--owner USER`` or ``-u USER`` accept either; looking the
user up in the password database turns both into the same entry.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import pwd


def find_user(text: str) -> pwd.struct_passwd | None:
    """The password entry for a user name or numeric id, or None when there is none."""
    import pwd

    try:
        return pwd.getpwuid(int(text)) if text.isdigit() else pwd.getpwnam(text)
    except KeyError:
        return None
