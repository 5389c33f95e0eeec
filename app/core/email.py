"""Outgoing email over SMTP (aiosmtplib), or to the log when no SMTP host is set.

Sending is asynchronous and runs as a background job (see background_jobs.py),
so a slow or broken SMTP server never delays or fails the request that asked
for the message; its failure is logged.
"""

import logging
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from app.core.config import Smtp

logger = logging.getLogger(__name__)


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


async def send_email(*, settings: Smtp, email: OutgoingEmail) -> None:
    """Deliver `email`, or write it to the log when no SMTP host is configured.

    Raises what the SMTP client raises (connection refused, timeout, refusal);
    the background job that runs this logs it.
    """
    if not settings.host:
        logger.info(
            "SMTP__HOST is not set, so this email was not sent; it reads:\n"
            "To: %s\nSubject: %s\n\n%s",
            email.recipient,
            email.subject,
            email.text,
        )
        return
    await aiosmtplib.send(
        build_message(sender=settings.sender, email=email),
        hostname=settings.host,
        port=settings.port,
        username=settings.username.get_secret_value() if settings.username else None,
        password=settings.password.get_secret_value() if settings.password else None,
        use_tls=settings.security == "tls",
        # False, not None: with "none" aiosmtplib would otherwise upgrade on
        # its own whenever the server offers STARTTLS.
        start_tls=settings.security == "starttls",
        timeout=settings.timeout_secs,
    )
    logger.info("Email %r sent to %s", email.subject, email.recipient)
