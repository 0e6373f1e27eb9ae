"""The errors people should read: each names the model, table, column or file."""


class MonitorsError(Exception):
    """A problem with input or environment, explained in the message; never a bug."""


class ConfigError(MonitorsError):
    """A config that cannot be used; the message names the file and the key."""


class WarehouseError(MonitorsError):
    """The warehouse could not give what the config asks for; the message says what and where."""


class ChecksError(MonitorsError):
    """The suite cannot be read or used; the message names the model and the file."""


class StoreError(MonitorsError):
    """The store cannot be written or read; the message names the path."""
