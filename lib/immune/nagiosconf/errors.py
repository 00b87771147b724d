"""The one error of the configuration generator: what is wrong, and where."""


class ConfigError(Exception):
    """Bad inventory or data: the message names the file, host or service and the field."""

    def __init__(self, where: str, field: str, reason: str) -> None:
        super().__init__(f"{where}: {field}: {reason}")
        self.where = where
        self.field = field
        self.reason = reason
