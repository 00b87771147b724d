"""tools/demo --once: the newcomer's board comes up from a real private Nagios and stops clean."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_demo_once_prints_the_board_and_stops_everything():
    done = subprocess.run([sys.executable, str(REPO / "tools" / "demo"), "--once"],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Host "))
    assert lines[header].split() == ["Host", "Service", "Status", "Last", "check", "Attempt",
                                     "Status", "information"]
    rows = [line for line in lines[header + 1:] if line.startswith("this-machine ")]
    # Every service the roles of the demo host define is on the board.
    roles = tomllib.loads((REPO / "nagios-config" / "roles.toml").read_text())["roles"]
    expected = {s["name"].replace("{item}", "/") for r in demo_roles()
                for s in roles[r]["services"]}
    shown = {name for name in expected for row in rows if f"  {name}  " in row}
    assert shown == expected and len(rows) == len(expected)
    restarts = next(row for row in rows if "Apache Restarts by Nagios" in row)
    assert "RESTARTS OK - 0 restarts of this-machine" in restarts
    http = next(row for row in rows if "Webserver HTTP" in row)
    assert " OK " in http and "HTTP OK" in http
    assert lines[-1] == "Private servers stopped."
    demo_dir = next(line.split(" in ")[1].split(" ")[0] for line in lines
                    if line.startswith("Private servers in "))
    assert not Path(demo_dir).exists()
    # A check Nagios had just started may take a moment to finish on its own.
    deadline = time.monotonic() + 10
    while (leftovers := processes_mentioning(demo_dir)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert leftovers == [], f"demo processes still running: {leftovers}"


def demo_roles() -> list[str]:
    """The roles of the demo host (business when the tree has the business demo data)."""
    text = (REPO / "nagios-config" / "demo-inventory.toml").read_text()
    listed = re.search(r"^roles = \[(.*)\]$", text, re.M).group(1)
    roles = [r.strip().strip('"') for r in listed.split(",") if r.strip()]
    business = (REPO / "examples" / "business" / "seed.py").exists()
    return ["all", *(r for r in roles if not r.startswith("@"))] + (["business"] if business
                                                                    else [])


def processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            line = cmdline.read_bytes()
        except OSError:
            continue
        if text.encode() in line:
            words = line.replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{cmdline.parent.name}: {words}")
    return found
