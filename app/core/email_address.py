"""The one form in which email addresses are compared: NFC, then lower-case.

Registration stores it beside the address as typed, a unique constraint
holds it, and every lookup and throttle key uses it, computed here alone, so
Python and PostgreSQL can never disagree on what "the same address" means
(their lower-casing differs for some characters, and so do composed and
decomposed accents).
"""

import unicodedata


def canonical_email(email: str) -> str:
    return unicodedata.normalize("NFC", email).lower()
