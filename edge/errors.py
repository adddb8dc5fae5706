"""The error tree. Each class carries its HTTP status, metrics category and report flag.

Layers raise these without knowing HTTP; `edge.http.middleware` is the one place that
turns them into responses (status + `X-Cld-Error`). Imports nothing from edge.
"""

from __future__ import annotations

from typing import ClassVar


class EdgeError(Exception):
    status: ClassVar[int] = 500
    category: ClassVar[str] = "internal"  # metrics label; a fixed, small set
    report: ClassVar[bool] = True  # log at ERROR with traceback
    retry_after: ClassVar[int | None] = None

    def __init__(self, public_message: str, *, detail: str = "") -> None:
        super().__init__(detail or public_message)
        # Goes to X-Cld-Error: never secrets, file paths or hostnames.
        self.public_message = public_message


class InvalidUrl(EdgeError):
    status, category, report = 400, "path_parsing", False


class InvalidTransformation(EdgeError):
    status, category, report = 400, "transformation", False


class ResourceNotFound(EdgeError):
    status, category, report = 404, "not_found", False


class SourceTooLarge(EdgeError):
    """The original breaks a limit (bytes or pixels); checked before any decode."""

    status, category, report = 413, "security", False


class OutputTooLarge(EdgeError):
    status, category, report = 400, "security", False


class InvalidImage(EdgeError):
    status, category, report = 422, "processing", False


class UnsupportedFormat(EdgeError):
    status, category, report = 400, "transformation", False


class Overloaded(EdgeError):
    status, category, report = 429, "queue", False
    retry_after = 1


class RenderTimeout(EdgeError):
    status, category, report = 504, "timeout", False


class OriginUnavailable(EdgeError):
    status, category, report = 502, "download", True


class InvalidParameter(EdgeError):
    """An Upload/Admin API call with a missing or bad parameter."""

    status, category, report = 400, "api", False


class InvalidCredentials(EdgeError):
    """Unknown API key, wrong secret or signature, stale timestamp."""

    status, category, report = 401, "security", False


class SignatureMismatch(EdgeError):
    """A delivery URL whose s--SIG-- does not verify, or an unsigned one on a strict cloud."""

    status, category, report = 401, "security", False


class NotAllowed(EdgeError):
    status, category, report = 403, "security", False


class AlreadyExists(EdgeError):
    status, category, report = 409, "api", False


class RateLimited(EdgeError):
    """Admin API calls beyond the hourly allowance (Cloudinary answers 420)."""

    status, category, report = 420, "api", False


class CatalogUnavailable(EdgeError):
    status, category, report = 503, "catalog", True


class OriginChanged(OriginUnavailable):
    """The original was replaced between its lookup and its read (the caller may look it up again)."""

    report = False


class OriginThrottled(OriginUnavailable):
    """The storage asks us to slow down (S3 SlowDown, 503)."""

    retry_after = 1


class OriginTimeout(EdgeError):
    """The storage did not answer in time (S3 timeouts, retries exhausted on a slow endpoint)."""

    status, category, report = 504, "download", True


class SettingsError(Exception):
    """Every invalid setting, reported together at start-up."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid settings:\n  " + "\n  ".join(problems))
        self.problems = problems


class NotImplementedHere(EdgeError):
    """A capability this node does not offer (e.g. uploads on a read-only storage)."""

    status, category, report = 501, "api", False


class InvalidVideo(EdgeError):
    """A video (or audio) file that cannot be read: truncated, no streams, an unknown container."""

    status, category, report = 422, "processing", False


class VideoTooLarge(SourceTooLarge):
    """A video over the byte, duration, pixel or frame-rate limit, read from its header (413)."""


class TranscodeTimeout(RenderTimeout):
    """A transcode over its CPU-time or wall-clock allowance (the process is killed)."""
