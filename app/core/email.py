"""Outgoing email over SMTP (aiosmtplib), or to the log when no SMTP host is set.

Only on a developer's machine (ENVIRONMENT=local or test) does the log get a
message's text: it carries live links (a recovery token). Production without
an SMTP host refuses to start unless recovery is switched off (config.py).

Sending is asynchronous and runs as a background job (see background_jobs.py),
so a slow or broken SMTP server never delays or fails the request that asked
for the message; its failure is logged.
"""

import logging
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from app.core.config import Settings

logger = logging.getLogger(__name__)

# Where an unsent message's text, links included, may be written to the log.
TEXT_LOGGED_ENVIRONMENTS = frozenset({"local", "test"})


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    recipient: str
    subject: str
    text: str
    html: str


def build_message(*, sender: str, email: OutgoingEmail) -> EmailMessage:
    """A multipart/alternative message: plain text first, HTML as the preferred part."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.recipient
    message["Subject"] = email.subject
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message


def _log_unsent(*, environment: str, email: OutgoingEmail) -> None:
    if environment in TEXT_LOGGED_ENVIRONMENTS:
        # On one line, its words (the link among them) apart: the text log
        # escapes line breaks, which would stick to the link.
        logger.info(
            "SMTP__HOST is not set, so this email was not sent; to %s, subject %r, it reads: %s",
            email.recipient,
            email.subject,
            " ".join(email.text.split()),
        )
        return
    logger.warning(
        "SMTP__HOST is not set, so the email %r to %s was not sent "
        "(its text is logged only when ENVIRONMENT is local or test)",
        email.subject,
        email.recipient,
    )


async def send_email(*, settings: Settings, email: OutgoingEmail) -> None:
    """Deliver `email`, or log that it was not sent when no SMTP host is configured.

    Raises what the SMTP client raises (connection refused, timeout, refusal);
    the background job that runs this logs it.
    """
    smtp = settings.smtp
    if not smtp.host:
        _log_unsent(environment=settings.environment, email=email)
        return
    await aiosmtplib.send(
        build_message(sender=smtp.sender, email=email),
        hostname=smtp.host,
        port=smtp.port,
        username=smtp.username.get_secret_value() if smtp.username else None,
        password=smtp.password.get_secret_value() if smtp.password else None,
        use_tls=smtp.security == "tls",
        # False, not None: with "none" aiosmtplib would otherwise upgrade on
        # its own whenever the server offers STARTTLS.
        start_tls=smtp.security == "starttls",
        timeout=smtp.timeout_secs,
    )
    logger.info("Email %r sent to %s", email.subject, email.recipient)
