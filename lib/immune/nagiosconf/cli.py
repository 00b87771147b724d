"""``immune-config``: Nagios, NRPE and Icinga 2 configuration from an inventory.

Reads ``checks.toml`` and ``roles.toml`` from the configuration directory
(``--config-dir``, default: the one installed with the package) and the
inventory, then writes the tree ``OUT/nagios``, ``OUT/nrpe``, ``OUT/icinga2``
in one step. Any mistake is reported as one line naming the host and the
field, exit status 2, and nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from immune.nagiosconf.catalogue import load_catalogue
from immune.nagiosconf.errors import ConfigError
from immune.nagiosconf.icingagen import icinga_files
from immune.nagiosconf.inventory import load_inventory
from immune.nagiosconf.nagiosgen import nagios_files
from immune.nagiosconf.nrpegen import nrpe_fragment
from immune.nagiosconf.plan import Plan, make_plan
from immune.nagiosconf.roles import load_roles
from immune.nagiosconf.tree import write_tree


def default_config_dir() -> Path:
    """``nagios-config`` of a source checkout, else the copy installed under sys.prefix."""
    checkout = Path(__file__).resolve().parents[3] / "nagios-config"
    if (checkout / "checks.toml").exists():
        return checkout
    return Path(sys.prefix) / "share" / "immune" / "nagios-config"


def build_plan(inventory: Path, config_dir: Path) -> Plan:
    """Read and resolve everything (raises :class:`ConfigError`)."""
    catalogue = load_catalogue(config_dir / "checks.toml")
    roles = load_roles(config_dir / "roles.toml", catalogue)
    return make_plan(load_inventory(inventory, set(roles.roles)), roles, catalogue)


def generated_files(plan: Plan) -> dict[str, str]:
    """The whole tree: ``nagios/...``, ``nrpe/HOST.cfg``, ``icinga2/...``."""
    files = {f"nagios/{k}": v for k, v in nagios_files(plan).items()}
    files.update({f"nrpe/{h.name}.cfg": nrpe_fragment(plan, h) for h in plan.inventory.hosts})
    files.update({f"icinga2/{k}": v for k, v in icinga_files(plan).items()})
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="immune-config", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inventory", required=True, type=Path, help="the inventory (TOML)")
    parser.add_argument("--out", required=True, type=Path, help="directory to (re)write")
    parser.add_argument("--config-dir", type=Path, default=None,
                        help="where checks.toml and roles.toml are "
                             f"(default {default_config_dir()})")
    args = parser.parse_args(argv)
    try:
        plan = build_plan(args.inventory, args.config_dir or default_config_dir())
        files = generated_files(plan)
        write_tree(args.out, files)
    except (ConfigError, OSError) as err:
        print(f"immune-config: {err}; nothing written", file=sys.stderr)
        return 2
    hosts = len(plan.inventory.hosts)
    print(f"immune-config: {len(plan.services)} services on {hosts} hosts, "
          f"{len(files)} files in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
