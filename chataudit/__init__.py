"""chataudit: audit exported group-chat transcripts against a group regulation."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("chataudit")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
