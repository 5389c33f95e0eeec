"""The list of commonly used passwords that registration and password changes refuse.

`common_passwords.txt` holds the 30,000 most frequent passwords of the
frequency list that the zxcvbn project (MIT licence) compiled from leaked
password sets, lower-cased, one a line. NIST SP 800-63B asks to refuse them.
"""

from functools import lru_cache
from pathlib import Path

LIST_PATH = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Loaded once, on first use (the application warms it at start)."""
    return frozenset(LIST_PATH.read_text(encoding="utf-8").split())


def is_common_password(password: str) -> bool:
    return password.lower() in common_passwords()
