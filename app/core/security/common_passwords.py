"""The list of commonly used passwords that registration and password changes refuse.

`common_passwords.txt` holds the 30,000 most frequent passwords of the
frequency list that the zxcvbn project (MIT licence) compiled from leaked
password sets, lower-cased, one a line. NIST SP 800-63B asks to refuse them.

Every worker holds the list, so it is kept as one string, each entry
framed by newlines, rather than as a set of 30,000 string objects (a
sixteenth of the memory); a lookup is one substring search, made only
beside the Argon2 hash of a new password.
"""

from functools import lru_cache
from pathlib import Path

LIST_PATH = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def common_passwords() -> str:
    """The entries, each framed by newlines; loaded once (the application warms it at start)."""
    entries = LIST_PATH.read_text(encoding="utf-8").split()
    return "\n" + "\n".join(entries) + "\n"


def is_common_password(password: str) -> bool:
    lowered = password.lower()
    # No entry holds whitespace; a password with some must not match two
    # neighbouring entries joined by their newline.
    if lowered.split() != [lowered]:
        return False
    return f"\n{lowered}\n" in common_passwords()
