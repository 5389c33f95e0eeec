"""The encryption of TOTP secrets at rest: bound to its owner and to a configured key."""

import uuid

import pytest

from app.core.security.data_encryption import DataCipher, UndecryptableError

KEY, OTHER_KEY = b"k" * 32, b"o" * 32


def test_a_ciphertext_decrypts_for_its_owner_only() -> None:
    cipher = DataCipher(key=KEY, old_keys=[])
    owner, other = uuid.uuid4().bytes, uuid.uuid4().bytes
    ciphertext = cipher.encrypt(b"JBSWY3DPEHPK3PXP", owner=owner)
    assert b"JBSWY3DPEHPK3PXP" not in ciphertext
    assert cipher.decrypt(ciphertext, owner=owner) == b"JBSWY3DPEHPK3PXP"
    with pytest.raises(UndecryptableError):
        cipher.decrypt(ciphertext, owner=other)


def test_an_altered_ciphertext_does_not_decrypt() -> None:
    cipher = DataCipher(key=KEY, old_keys=[])
    owner = uuid.uuid4().bytes
    ciphertext = bytearray(cipher.encrypt(b"secret", owner=owner))
    ciphertext[-1] ^= 1
    with pytest.raises(UndecryptableError):
        cipher.decrypt(bytes(ciphertext), owner=owner)


def test_a_key_no_longer_configured_does_not_decrypt() -> None:
    owner = uuid.uuid4().bytes
    ciphertext = DataCipher(key=OTHER_KEY, old_keys=[]).encrypt(b"secret", owner=owner)
    with pytest.raises(UndecryptableError):
        DataCipher(key=KEY, old_keys=[]).decrypt(ciphertext, owner=owner)
    assert DataCipher(key=KEY, old_keys=[OTHER_KEY]).decrypt(ciphertext, owner=owner) == b"secret"
