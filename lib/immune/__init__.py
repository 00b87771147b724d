"""immune: a Nagios-compatible monitoring plugin suite.

Kept empty on purpose: a check pays only for the modules it imports.
"""

__version__ = "0.1.0"
