"""The one exception tree of tunesmith.

    TunesmithError          anything a user may be shown; the message is written for them
    ├── RequestError        the request text or one of its values cannot be used
    ├── ConfigError         a setting the operator gave (an environment variable) cannot be used
    ├── MidiError           a MIDI file (uploaded or produced) breaks a limit or is malformed
    ├── DependencyError     a system package is missing (names the package to install)
    ├── ModelError          a checkpoint is missing or does not match the tokenizer
    └── BusyError           the queue or a cooldown refuses work for now (says when to retry)

It lives in the bottom layer (`models/`) so that every layer can raise it without importing
upwards. Anything that is not a TunesmithError is a bug: the edge logs it with its traceback
and shows the user a short apology.
"""


class TunesmithError(Exception):
    """An error whose message is fit to show to a user as it is."""


class RequestError(TunesmithError):
    """The request text or a value in it cannot be used."""


class ConfigError(TunesmithError):
    """A setting from the environment cannot be used; the message names the variable."""


class MidiError(TunesmithError):
    """A MIDI file is malformed or breaks one of the limits."""


class DependencyError(TunesmithError):
    """A system dependency is missing; the message names the package to install."""


class ModelError(TunesmithError):
    """A checkpoint is missing, damaged or made for another vocabulary."""


class BusyError(TunesmithError):
    """Work is refused for now; `retry_after` says in how many seconds to try again."""

    def __init__(self, message: str, retry_after: float = 0.0):
        super().__init__(message)
        self.retry_after = retry_after
