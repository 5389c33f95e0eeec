"""As in the recovery tests: `api` and `user` are clients of an application that mails
through a real SMTP server on 127.0.0.1, whose messages land in `inbox`."""

from app.tests.recovery.conftest import api, inbox, mail_app, smtp_settings, user

__all__ = ["api", "inbox", "mail_app", "smtp_settings", "user"]
