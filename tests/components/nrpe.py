"""A private NRPE daemon for tests (starter in ``immune.devservers.nrpe``).

``nrpe_server(base, fragments)`` runs the commands of the given nrpe.cfg
fragments on 127.0.0.1 and a free port; ``NRPE.run(name)`` asks it through
``check_nrpe``. As root it runs its commands as ``nagios``.
"""

from immune.devservers.nrpe import NRPE, nrpe_server

__all__ = ["NRPE", "nrpe_server"]
