"""The project's own exception types.

Every error a user can cause (a bad file, a missing card, an unknown patient, a
request for someone else's record) is one of these, with a message a person can
act on. The CLI prints ``str(error)`` on one line; the app shows it.
"""

from __future__ import annotations


class TrackerError(Exception):
    """Base class for errors the user can cause and fix."""


class UnreadableImageError(TrackerError, ValueError):
    """The data handed to us is not an image we can read.

    The message names the file (when known) and says what it is instead,
    e.g. ``"photo.jpg is a PDF document, not a photo"``.
    """


class ImageTooLargeError(UnreadableImageError):
    """The image declares more pixels than the documented limit (decompression bomb guard)."""


class InvalidArgumentError(TrackerError, ValueError):
    """An argument (a symptom key, a date, a marker size) is not valid."""


class RulesError(TrackerError):
    """The clinical rules file is invalid; the message names the rule and the problem."""


class NotFoundError(TrackerError, LookupError):
    """A record (patient, treatment, photo) does not exist."""


class AccessDeniedError(TrackerError, PermissionError):
    """The acting user may not reach this record. Denials are audited."""


class AuthenticationError(TrackerError):
    """Wrong login, or the account is locked for a while after failed attempts."""
