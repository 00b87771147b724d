"""Business metrics from MySQL or MariaDB: one bounded, read-only, server-timed query.

A :class:`immune.queries.Query` (SQL text, window, where it came from) runs on a
:class:`Target` (credentials from an option file, see :mod:`immune.mycnf`)
through :func:`fetch`: connect and read timeouts from the check's deadline,
a server-side statement limit a little shorter than that (MariaDB
``max_statement_time``, MySQL ``max_execution_time``) so a slow query is
cancelled on the server rather than left running, and a
``START TRANSACTION READ ONLY`` around it. ``%(window)s`` in the SQL is bound
to the window in seconds (pymysql ``pyformat``: write a literal ``%`` as
``%%``). Every expected failure is a one-line :class:`CheckError` that never
holds the password or a value read from the database.

pymysql is imported only when a query runs.
"""

from __future__ import annotations

import contextlib
from collections import namedtuple
from collections.abc import Iterable

from immune.domain import CheckError
from immune.mycnf import OptionFileError, client_options, option_file, read_groups

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from immune.deadline import Deadline
    from immune.queries import Query

_CANCELLED = {1969, 3024}            # MariaDB max_statement_time, MySQL max_execution_time
_LOST = {2006, 2013, 1053, 1927}     # gone away, lost during query, shutdown, killed
_DENIED = 1045


class Target(namedtuple("Target", "name options")):
    """One database: a display name (option-file group or ``client``) and connect options."""

    __slots__ = ()

    @property
    def where(self) -> str:
        """``host:port``, or the socket path, for messages."""
        if self.options.get("socket") and self.options.get("host", "localhost") == "localhost":
            return self.options["socket"]
        return f"{self.options.get('host', 'localhost')}:{self.options.get('port', 3306)}"


def target(defaults_file: str | None, group: str | None = None) -> Target:
    """The database described by *group* (over ``[client]``) of the option file."""
    return targets(defaults_file, [group])[0]


def targets(defaults_file: str | None, groups: Iterable[str | None]) -> list[Target]:
    """One :class:`Target` per group (each over ``[client]``), the option file read once."""
    path = option_file(defaults_file)
    found = []
    try:
        read = read_groups(path)
        for group in groups:
            options = client_options(read, group, path)
            if "port" in options and not options["port"].isdigit():
                raise CheckError(f"defaults file: port '{options['port'][:20]}' is not a number")
            found.append(Target(group or "client", options))
    except OptionFileError as err:
        raise CheckError(str(err)) from None
    return found


def fetch(where: Target, query: Query, deadline: Deadline, stages: bool = True) -> list[tuple]:
    """All rows of *query* on *where*, within the deadline; CheckError on failure.

    With *stages* (the main thread) the deadline's stage names what is running;
    worker threads pass False and rely on the socket and server time limits.
    """
    pymysql = driver(wants_tls(where.options))

    def stage(name: str) -> Any:
        return deadline.stage(f"{name} {where.where}") if stages else contextlib.nullcontext()

    options = where.options
    password = options.get("password", "")
    conn = None
    try:
        with stage("connecting to"):
            left = deadline.remaining()
            conn = pymysql.connect(**connect_arguments(options), connect_timeout=left,
                                   read_timeout=left, write_timeout=left, autocommit=None)
        with stage("querying"), conn.cursor() as cursor:
            # what is left, less a margin to receive the error and report; never 0 (no limit)
            limit = max(0.05, deadline.usable(0.1, share=0.2, most=1.0))
            if "mariadb" in conn.get_server_info().lower():
                cursor.execute(f"SET SESSION max_statement_time = {limit:.3f}")
            else:
                cursor.execute(f"SET SESSION max_execution_time = {int(limit * 1000)}")
            cursor.execute("START TRANSACTION READ ONLY")
            try:
                cursor.execute(query.sql, {"window": _window_value(query.window)})
            except (KeyError, ValueError, TypeError):
                raise CheckError(f"{query.origin}: bad parameter in the SQL (only %(window)s "
                                 f"is known; write a literal % as %%)") from None
            rows = list(cursor.fetchall())
            cursor.execute("ROLLBACK")
        return rows
    except pymysql.err.MySQLError as err:
        raise CheckError(_explain(err, where, query, password, deadline)) from None
    except OSError as err:   # TLS files named in the option file
        raise CheckError(f"cannot use the TLS files of [{where.name}]: "
                         f"{err.strerror or type(err).__name__}") from None
    finally:
        if conn is not None and conn.open:
            with contextlib.suppress(Exception):
                conn.close()   # COM_QUIT, no reply awaited


def connect_arguments(options: dict[str, str]) -> dict[str, Any]:
    """``pymysql.connect`` arguments for a :class:`Target`'s option-file *options*.

    Where and as whom to connect, the database, utf8mb4 and TLS (see
    :func:`_tls`); timeouts and transaction mode are the caller's.
    """
    return {"host": options.get("host", "localhost"), "port": int(options.get("port", 3306)),
            "unix_socket": options.get("socket"), "user": options.get("user"),
            "password": options.get("password", ""), "database": options.get("database"),
            "charset": "utf8mb4", **_tls(options)}


def wants_tls(options: dict[str, str]) -> bool:
    """True when the option-file group asks for TLS (see :func:`_tls`)."""
    return (any(options.get(key) for key in ("ssl-ca", "ssl-cert", "ssl-key"))
            or _flag(options.get("ssl")) or _flag(options.get("ssl-verify-server-cert")))


def driver(tls: bool) -> Any:
    """The pymysql module; imported without TLS support when none is needed.

    pymysql imports ``ssl`` whether or not a connection uses it: 8-12 ms of
    a 70 ms run. A ``None`` in ``sys.modules`` makes that import fail, and
    pymysql then runs without TLS. A check reading several databases calls
    this once, in its main thread, with True if any of them needs TLS.
    """
    import sys

    if not tls and "pymysql" not in sys.modules and "ssl" not in sys.modules:
        sys.modules["ssl"] = None  # type: ignore[assignment]
        try:
            import pymysql
        finally:
            del sys.modules["ssl"]
    import pymysql

    if tls and not pymysql.connections.SSL_ENABLED:
        raise CheckError("TLS asked for, but pymysql was loaded without it")
    return pymysql


def _tls(options: dict[str, str]) -> dict[str, Any]:
    """pymysql's TLS arguments from the option file: none unless it asks for TLS.

    ``ssl-ca`` (with ``ssl-cert``/``ssl-key``) verifies the server's
    certificate, ``ssl-verify-server-cert`` also its name; ``ssl`` alone
    encrypts without verifying. Without any of them no TLS is tried (as the
    mariadb 10 client): pymysql's opportunistic TLS would load the system
    CA store on every run (25 ms) for a connection it does not verify.
    """
    verify = _flag(options.get("ssl-verify-server-cert"))
    ca, cert, key = options.get("ssl-ca"), options.get("ssl-cert"), options.get("ssl-key")
    if ca or cert or key or verify:
        return {"ssl_ca": ca, "ssl_cert": cert, "ssl_key": key,
                "ssl_verify_cert": bool(ca) or verify, "ssl_verify_identity": verify}
    if _flag(options.get("ssl")):
        import ssl

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return {"ssl": context}
    return {"ssl_disabled": True}


def _flag(value: str | None) -> bool:
    return value is not None and value.strip().lower() not in ("0", "off", "false", "no")


def _window_value(window: float) -> int | float:
    return int(window) if float(window).is_integer() else window


def _explain(err: Exception, where: Target, query: Query, password: str,
             deadline: Deadline) -> str:
    code = err.args[0] if err.args and isinstance(err.args[0], int) else 0
    text = str(err.args[1]) if len(err.args) > 1 else str(err)
    if code == _DENIED:
        user = where.options.get("user", "")
        reason = (f"access denied for user '{user}' at {where.where} "
                  f"(wrong user or password in [{where.name}])")
    elif code in (2002, 2003):
        cause = getattr(err, "original_exception", None)
        detail = (getattr(cause, "strerror", None) or type(cause).__name__
                  if cause is not None else text)
        if isinstance(cause, TimeoutError):
            detail = "timed out"
        reason = f"cannot connect to {where.where}: {detail}"
    elif code in _CANCELLED:
        reason = (f"query cancelled by the server at its time limit "
                  f"(-t {deadline.seconds:g}s; query too slow?) on {where.where}")
    elif code in _LOST:
        reason = f"lost connection to {where.where} during the query (server died?)"
    elif code == 1064:
        reason = f"SQL syntax error in {query.origin}: {text[:120]}"
    else:
        reason = f"database error {code} on {where.where}: {text[:160]}"
    return reason.replace(password, "***") if len(password) >= 3 else reason


def as_number(value: Any, column: int, origin: str) -> float | None:
    """A number read from the database (int, Decimal, float); None stays None.

    Anything else is refused without echoing it: it could be personal data.
    """
    if value is None or isinstance(value, int | float):
        return value
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise CheckError(f"{origin}: column {column} is not a number "
                     f"(the query must return numbers, never names)")


def scalar(rows: list[tuple], origin: str) -> float | None:
    """The one number of a one-row, one-column result (None for NULL or no row)."""
    if not rows:
        return None
    if len(rows) != 1 or len(rows[0]) != 1:
        raise CheckError(f"{origin}: want one row with one number, got {len(rows)} row(s) "
                         f"of {len(rows[0])} column(s)")
    return as_number(rows[0][0], 1, origin)
