"""A real SMTP server for the browser tests (aiosmtpd in a thread), and the links it received."""

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

WAIT_SECS = 15.0


class Mailbox:
    """Keeps every message it is handed; the browser tests wait for theirs."""

    def __init__(self) -> None:
        self._messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        assert isinstance(envelope.content, bytes)
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self._messages.append(message)
        return "250 Message accepted for delivery"

    def wait_for_link(self, *, recipient: str, subject: str, page: str) -> str:
        """The `/<page>?token=...` link of the message `subject` to `recipient`."""
        deadline = time.monotonic() + WAIT_SECS
        while time.monotonic() < deadline:
            with self._lock:
                found = [
                    m for m in self._messages if (m["To"], m["Subject"]) == (recipient, subject)
                ]
            if found:
                text = found[-1].get_body(("plain",))
                assert text is not None
                match = re.search(rf"(\S+/{page}\?token=[A-Za-z0-9_-]+)", text.get_content())
                assert match is not None
                return match.group(1)
            time.sleep(0.1)
        raise AssertionError(f"no message {subject!r} to {recipient} within {WAIT_SECS} s")


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """An SMTP server on 127.0.0.1 and a free port: (its mailbox, the port)."""
    mailbox = Mailbox()
    # aiosmtpd's controller checks its server by connecting to the port it was
    # given, so it needs a real one (the race with another bind is rare).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()
