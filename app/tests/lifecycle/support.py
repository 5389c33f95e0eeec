"""Support for the lifecycle tests: the links and tokens of the messages the test SMTP
server received (see app/tests/recovery/support.py for the server itself)."""

import re
from email.message import EmailMessage

from app.tests.recovery.support import PUBLIC_URL, Inbox

VERIFY_SUBJECT = "Confirm your email address"
CHANGE_SUBJECT = "Confirm your new email address"
RESET_SUBJECT = "Reset your password"


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    content: str = part.get_content()
    return content


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    content: str = part.get_content()
    return content


def link_token(message: EmailMessage, page: str) -> str:
    """The token of the `{PUBLIC_URL}/<page>?token=...` link in the plain-text part."""
    match = re.search(rf"{re.escape(PUBLIC_URL)}/{page}\?token=([A-Za-z0-9_-]+)", text_of(message))
    assert match is not None, text_of(message)
    return match.group(1)


def only(inbox: Inbox, subject: str, recipient: str | None = None) -> EmailMessage:
    """The one message with this subject (to `recipient`, if given)."""
    found = [
        message
        for message in inbox.with_subject(subject)
        if recipient is None or message["To"] == recipient
    ]
    assert len(found) == 1, [(m["To"], m["Subject"]) for m in inbox.messages]
    return found[0]


def verification_token(inbox: Inbox, recipient: str) -> str:
    return link_token(only(inbox, VERIFY_SUBJECT, recipient), "verify-email")
