"""Private Nagios Core 4 and Icinga 2 validation for tests (starters in ``immune.devservers``).

``nagios_server(base, cfg_dirs, resource)`` runs a validated private Nagios
with one-second scheduling (``Nagios.services()`` reads its ``status.dat``);
``validate_nagios(main_cfg)`` is ``nagios4 -v``; ``validate_icinga(tmp,
files)`` runs ``icinga2 daemon -C`` on a private configuration including
*files*. The private NRPE is in ``components/nrpe.py``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from immune.devservers.nagios import Nagios, nagios_server, validate, write_main_config
from immune.devservers.process import current_user, which

__all__ = ["Nagios", "nagios_server", "validate_icinga", "validate_nagios",
           "write_main_config"]

validate_nagios = validate

ICINGA_MAIN = """\
const PluginDir = "/usr/lib/nagios/plugins"
include <itl>
include <plugins>
{includes}
"""


def validate_icinga(tmp: Path, files: Sequence[Path], extra: str = "") -> tuple[bool, str]:
    """``icinga2 daemon -C`` on a private config including *files* (and *extra* text)."""
    tmp.mkdir(parents=True, exist_ok=True)
    main = tmp / "icinga2.conf"
    includes = "\n".join(f'include "{f}"' for f in files)
    main.write_text(ICINGA_MAIN.format(includes=includes) + extra)
    user, group = current_user()
    done = subprocess.run([which("icinga2"), "daemon", "-C", "-c", str(main),
                           f"-DCacheDir={tmp}", f"-DRunAsUser={user}", f"-DRunAsGroup={group}",
                           f"-DStateDir={tmp}", f"-DLogDir={tmp}", f"-DRunDir={tmp}",
                           f"-DSysconfDir={tmp}", f"-DDataDir={tmp}"],
                          capture_output=True, text=True, timeout=60)
    return done.returncode == 0, done.stdout + done.stderr
