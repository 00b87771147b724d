"""The checks, one module per check, each installed as a command of its own name.

Installed as the package ``immune.checks``: the commands are small launchers
that import their module, so a check runs from byte-compiled code instead of
being compiled from source on every run as a script would be. Importing the
package first makes argparse speak English without loading gettext
(:mod:`immune.english`), before any check module imports argparse.
"""

from immune import english

english.install()
