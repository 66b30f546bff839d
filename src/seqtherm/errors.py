"""The one exception hierarchy of seqtherm.

Every error that a user can cause (a bad file, an invalid matrix, an unknown model)
raises a subclass of `SeqthermError` whose message repeats the offending value and
states what to do. The command-line interface prints that message and exits with status 2.
"""


class SeqthermError(Exception):
    """Base class of every error that seqtherm raises on purpose."""


class InvalidInputError(SeqthermError, ValueError):
    """An argument, file or matrix that seqtherm cannot use as given."""


class ModelLoadError(SeqthermError):
    """A model that could not be found, downloaded or loaded."""


class ResumeMismatchError(SeqthermError):
    """An output folder written by a run with other settings than the resumed one."""
