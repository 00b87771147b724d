"""What a check prints: one status line, optional long output, bounded.

``NAME STATE - summary | perfdata`` on the first line; long output on the
following lines. Text from the outside world (logs, servers, exceptions) is
sanitised: no control characters, no ``|`` (it would start perfdata), no
line breaks inside the status line, no undecodable bytes, and the whole
output stays far below the 8 KB Nagios keeps (counted in UTF-8 bytes).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

STATE_NAMES = ("OK", "WARNING", "CRITICAL", "UNKNOWN")
MAX_SUMMARY = 200
MAX_LINE = 300
MAX_OUTPUT = 4000
# Patterns, compiled on first use (every character they match is non-printable).
_CONTROL = r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+"
_SURROGATES = r"[\ud800-\udfff]"  # undecodable bytes of a path in argv


def _size(text: str) -> int:
    """Bytes *text* takes on stdout (one character may take up to four)."""
    return len(text.encode("utf-8", "replace"))


def sanitize(text: object, limit: int = MAX_LINE) -> str:
    """One clean line from any text: control runs become one space, ``|`` '/'."""
    clean = str(text)
    if not clean.isprintable():
        # Clean text, the usual case, spares the regex compiles (~1 ms per run).
        import re

        clean = re.sub(_SURROGATES, "\ufffd", re.sub(_CONTROL, " ", clean))
    clean = clean.replace("|", "/").strip()
    if len(clean) > limit:
        clean = clean[: limit - 3].rstrip() + "..."
    return clean


def status_line(name: str, code: int, summary: str, perfdata: Iterable[object] = ()) -> str:
    """The first output line: ``NAME STATE - summary | perfdata``."""
    line = f"{name} {STATE_NAMES[code]} - {sanitize(summary, MAX_SUMMARY)}"
    items: list[str] = []
    room = MAX_OUTPUT // 2
    for item in map(str, perfdata):
        room -= _size(item) + 1
        if room < 0:
            break
        items.append(item)
    return f"{line} | {' '.join(items)}" if items else line


def render(name: str, code: int, summary: str, perfdata: Iterable[object] = (),
           long_lines: Iterable[str] = ()) -> str:
    """The whole output, size-bounded, ending with a newline."""
    lines = [status_line(name, code, summary, perfdata)]
    size = _size(lines[0])
    for raw in long_lines:
        line = sanitize(raw)
        if size + _size(line) + 1 > MAX_OUTPUT:
            lines.append("... (output truncated)")
            break
        lines.append(line)
        size += _size(line) + 1
    return "\n".join(lines) + "\n"
