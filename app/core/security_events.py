"""Security events: each is logged on the `app.security` logger and counted in a metric.

Failures and revocations are logged at WARNING, so that they stand out from
the request log at INFO and can be alerted on. Records name users by id and
clients by address; never a password, a token or a hash.
"""

import logging
import uuid

from app.core import metrics

logger = logging.getLogger("app.security")


def login_succeeded(*, user_id: uuid.UUID) -> None:
    metrics.LOGINS.labels("success").inc()
    logger.info("Login", extra={"event": "login_succeeded", "user_id": str(user_id)})


def login_failed(*, user_id: uuid.UUID | None) -> None:
    """`user_id` None: no such account (or none the database could hold)."""
    metrics.LOGINS.labels("failure").inc()
    logger.warning(
        "Login failed",
        extra={"event": "login_failed", "user_id": str(user_id) if user_id else None},
    )


def refresh_succeeded() -> None:
    metrics.REFRESHES.labels("success").inc()


def refresh_failed() -> None:
    metrics.REFRESHES.labels("failure").inc()


def refresh_token_reused(*, session_id: uuid.UUID, user_id: uuid.UUID) -> None:
    metrics.REFRESH_TOKEN_REUSE.inc()
    logger.warning(
        "Refresh token reuse detected: session revoked",
        extra={
            "event": "refresh_token_reused",
            "session_id": str(session_id),
            "user_id": str(user_id),
        },
    )


def throttled(*, action: str, client: str, retry_after_secs: int) -> None:
    metrics.THROTTLED.labels(action).inc()
    logger.warning(
        "Throttled %s for %d s",
        action,
        retry_after_secs,
        extra={"event": "throttled", "action": action, "client": client},
    )


def password_changed(*, user_id: uuid.UUID) -> None:
    logger.warning("Password changed", extra={"event": "password_changed", "user_id": str(user_id)})


def sessions_revoked(*, user_id: uuid.UUID, reason: str) -> None:
    """Sessions ended for the user other than by a plain logout (`reason` says why)."""
    logger.warning(
        "Sessions revoked: %s",
        reason,
        extra={"event": "sessions_revoked", "action": reason, "user_id": str(user_id)},
    )
