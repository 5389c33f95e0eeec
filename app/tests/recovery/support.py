"""Support for the recovery tests: a real SMTP server, and the links of the messages it gets.

The SMTP server (aiosmtpd) runs on 127.0.0.1 on the tests' own event loop.
The application talks SMTP to it over TCP exactly as to a mail relay; the
test reads what arrived. Port 0 lets the system pick a free port.
"""

import asyncio
import re
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

PUBLIC_URL = "https://accounts.example.com"
SENDER = "Accounts <accounts@example.com>"
LINK = re.compile(r"(\S+)/reset-password\?token=([A-Za-z0-9_-]+)")


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Envelope] = []

    def with_subject(self, subject: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["Subject"] == subject]

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        assert isinstance(envelope.content, bytes)
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.envelopes.append(envelope)
        self.messages.append(message)
        return "250 Message accepted for delivery"


class SlowInbox(Inbox):
    """Answers MAIL and RCPT only after `delay_secs` each: a slow relay, not a dead one."""

    def __init__(self, delay_secs: float) -> None:
        super().__init__()
        self.delay_secs = delay_secs

    async def handle_MAIL(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        await asyncio.sleep(self.delay_secs)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        await asyncio.sleep(self.delay_secs)
        envelope.rcpt_tos.append(address)
        return "250 OK"


@asynccontextmanager
async def smtp_server(handler: Inbox, **smtp_options: Any) -> AsyncIterator[int]:
    """Serve SMTP with `handler` on 127.0.0.1; yields the port."""

    def protocol() -> SMTP:
        with warnings.catch_warnings():
            # aiosmtpd warns about AUTH without TLS, which is what a test
            # relay on 127.0.0.1 wants.
            warnings.simplefilter("ignore", UserWarning)
            return SMTP(handler, hostname="localhost", **smtp_options)

    server = await asyncio.get_running_loop().create_server(protocol, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


@asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """Accepts connections and never says a word: an SMTP server that hangs."""

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up and closes
        writer.close()

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


def recovery_token(message: EmailMessage) -> str:
    """The token of the reset link in the plain-text part."""
    text_part = message.get_body(("plain",))
    assert text_part is not None
    match = LINK.search(text_part.get_content())
    assert match is not None, text_part.get_content()
    return match.group(2)
