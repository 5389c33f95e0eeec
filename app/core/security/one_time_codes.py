"""TOTP (RFC 6238) codes and recovery codes: the arithmetic, without storage.

TOTP: SHA-1, 6 digits, 30-second steps; a code of the previous, current or
next step matches, and `matching_step` says which step it was, so that the
caller can refuse that step and every earlier one afterwards (replay).

Recovery codes: 12 characters of RFC 4648's base32 alphabet (60 random
bits), shown as `xxxx-xxxx-xxxx`; case, spaces and hyphens in the input are
ignored. They are stored as SHA-256 of the user id and the normalised code:
salted per user, and 60 bits are beyond a brute force of the hash.
"""

import hashlib
import hmac
import io
import secrets
import time
import uuid

import pyotp

DIGITS = 6
STEP_SECS = 30
# Steps either side of the current one whose codes are accepted (clock drift).
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_GROUPS = 3
RECOVERY_CODE_GROUP_LENGTH = 4
BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
# Longer input is no code of either kind: refused before any work.
MAX_CODE_LENGTH = 64


def new_totp_secret() -> str:
    """160 random bits in base32, the size RFC 4226 recommends for SHA-1."""
    return pyotp.random_base32(length=32)


def otpauth_uri(secret: str, *, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECS).provisioning_uri(
        name=account, issuer_name=issuer
    )


def qr_code_svg(uri: str) -> str:
    """The URI as a QR code, an SVG document (segno, pure Python).

    segno is imported here: only an enrolment draws a QR code, and a worker
    that serves none need not hold it.
    """
    import segno  # noqa: PLC0415 - see the docstring

    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=4, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECS)


def is_totp_shaped(code: str) -> bool:
    stripped = code.replace(" ", "")
    return len(stripped) == DIGITS and stripped.isascii() and stripped.isdigit()


def matching_step(secret: str, code: str, *, now: float | None = None) -> int | None:
    """The step (previous, current or next) whose code `code` is; None if none."""
    if not is_totp_shaped(code):
        return None
    given = code.replace(" ", "")
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECS)
    step = current_step(now)
    found = None
    # Every candidate is compared in constant time, whichever matches.
    for candidate in range(step - VALID_WINDOW, step + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), given):
            found = candidate
    return found


def new_recovery_codes() -> list[str]:
    length = RECOVERY_CODE_GROUPS * RECOVERY_CODE_GROUP_LENGTH
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(BASE32_ALPHABET) for _ in range(length))
        groups = [raw[i : i + RECOVERY_CODE_GROUP_LENGTH] for i in range(0, length, 4)]
        codes.append("-".join(groups).lower())
    return codes


def normalise_recovery_code(code: str) -> str:
    return code.replace(" ", "").replace("-", "").upper()


def hash_recovery_code(code: str, *, user_id: uuid.UUID) -> bytes:
    normalised = normalise_recovery_code(code).encode("utf-8", "surrogatepass")
    return hashlib.sha256(user_id.bytes + normalised).digest()
