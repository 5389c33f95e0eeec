"""Errors the core raises, each carrying the message clients see.

The core knows nothing of HTTP: the API maps each type to its status code
in one place (`app/api/exception_handlers.py`).
"""


class ServiceError(Exception):
    """A refused operation; `detail` is the message for the client (from `messages`)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidGrantError(ServiceError):
    """RFC 6749 `invalid_grant`: wrong credentials or an unusable refresh token."""


class InvalidClientError(ServiceError):
    """RFC 6749 `invalid_client`: a client (another service) failed to authenticate."""


class InvalidInputError(ServiceError):
    """The request is well-formed but refused: a wrong current password, a spent token."""


class ForbiddenError(ServiceError):
    """The caller lacks the role the operation needs (found out after authentication)."""


class NotFoundError(ServiceError):
    pass


class ConflictError(ServiceError):
    """The request contradicts the state: an email taken, a superuser locking themself out."""


class TooManyAttemptsError(ServiceError):
    """A throttle limit is reached; try again after `retry_after_secs`.

    `account_newly_limited`: this attempt is the first that a limit of the
    account (not only of the address) refused in its window.
    """

    def __init__(
        self, detail: str, *, retry_after_secs: int, account_newly_limited: bool = False
    ) -> None:
        super().__init__(detail)
        self.retry_after_secs = retry_after_secs
        self.account_newly_limited = account_newly_limited


class BusyError(ServiceError):
    """The service cannot take this request now (the hashing queue is full); try again soon."""

    def __init__(self, detail: str, *, retry_after_secs: int) -> None:
        super().__init__(detail)
        self.retry_after_secs = retry_after_secs


class MfaRequiredError(ServiceError):
    """The password was right; the login waits for a second factor sent with `mfa_token`."""

    def __init__(self, detail: str, *, mfa_token: str) -> None:
        super().__init__(detail)
        self.mfa_token = mfa_token


class UnavailableError(ServiceError):
    """The service cannot do this now for a reason of its own configuration; logged."""
