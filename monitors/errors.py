"""The one base class for errors people should read: each names the model, table or file."""


class MonitorsError(Exception):
    """A problem with input or environment, explained in the message; never a bug."""
