"""Nagios / NRPE / Icinga 2 configuration generated from an inventory (``immune-config``).

Modules, one concept each: ``errors`` (the one error type), ``expr`` (values
computed from host facts), ``catalogue`` (what the checks accept, from
``checks.toml``), ``roles`` (services per role and templates, from
``roles.toml``), ``inventory`` (hosts, contacts, time periods), ``plan`` (the
resolved services of every host), ``objects`` (Nagios object syntax),
``nagiosgen``, ``nrpegen``, ``icingagen`` (the three outputs), ``tree``
(atomic write of the generated tree), ``cli`` (the command), ``status``
(reading ``status.dat``).
"""
