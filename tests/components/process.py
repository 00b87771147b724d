"""Process helpers for the fixtures (in ``immune.devservers.process``: the demo uses them too)."""

from immune.devservers.process import free_port, port_open, running, stop, wait_until

__all__ = ["free_port", "port_open", "running", "stop", "wait_until"]
