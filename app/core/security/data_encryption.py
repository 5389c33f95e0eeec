"""Encryption of data kept at rest (TOTP secrets): AES-256-GCM, bound to its owner.

A ciphertext is `key id (8 bytes) || nonce (12 bytes) || AES-GCM output`;
the associated data is the owner's id, so a ciphertext copied into another
user's row does not decrypt. The key id names which configured key made it:
`SECURITY__DATA_ENCRYPTION_KEY` encrypts, it and each of
`SECURITY__DATA_ENCRYPTION_OLD_KEYS` decrypt, so that a new key can come in
while rows made with an old one are still read. A database dump alone
reveals no secret: the keys are not in the database.
"""

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.core.config import Settings
from app.core.security.jwt import load_jwt_secret
from app.core.security.keys import derive_key

KEY_ID_BYTES = 8
NONCE_BYTES = 12
# Outside production without a configured key: one derived from the JWT
# secret (itself generated under DATA_DIR), for this purpose alone.
LOCAL_KEY_PURPOSE = b"data-encryption"


class UndecryptableError(Exception):
    """No configured key made this ciphertext, or it was altered or moved to another owner."""


def _aes_key(material: str | bytes) -> bytes:
    # Any configured string of enough entropy becomes a 256-bit AES key.
    raw = material.encode() if isinstance(material, str) else material
    return hashlib.sha256(b"data-encryption-key:" + raw).digest()


def _key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"key-id:" + key).digest()[:KEY_ID_BYTES]


class DataCipher:
    def __init__(self, *, key: bytes, old_keys: list[bytes]) -> None:
        self._current = (_key_id(key), AESGCM(key))
        self._by_id = {_key_id(k): AESGCM(k) for k in (*old_keys, key)}

    def encrypt(self, plaintext: bytes, *, owner: bytes) -> bytes:
        key_id, aead = self._current
        nonce = os.urandom(NONCE_BYTES)
        return key_id + nonce + aead.encrypt(nonce, plaintext, owner)

    def decrypt(self, ciphertext: bytes, *, owner: bytes) -> bytes:
        key_id = ciphertext[:KEY_ID_BYTES]
        nonce = ciphertext[KEY_ID_BYTES : KEY_ID_BYTES + NONCE_BYTES]
        aead = self._by_id.get(key_id)
        if aead is None:
            raise UndecryptableError("no configured key made this ciphertext")
        try:
            return aead.decrypt(nonce, ciphertext[KEY_ID_BYTES + NONCE_BYTES :], owner)
        except InvalidTag as error:
            raise UndecryptableError("altered, or not this owner's") from error


def create_data_cipher(settings: Settings) -> DataCipher:
    """The configured keys; outside production without one, a key derived from the JWT secret.

    Production refuses to start without `SECURITY__DATA_ENCRYPTION_KEY` (config.py).
    """
    security = settings.security
    configured = security.data_encryption_key
    if configured is None:
        key = _aes_key(derive_key(load_jwt_secret(settings), LOCAL_KEY_PURPOSE))
    else:
        key = _aes_key(configured.get_secret_value())
    old_keys = [_aes_key(old.get_secret_value()) for old in security.data_encryption_old_keys]
    return DataCipher(key=key, old_keys=old_keys)
