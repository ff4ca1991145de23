"""Secrets at rest (SNMP communities and keys): Fernet, with key rotation.

`settings.ENCRYPTION_KEYS` lists Fernet keys, newest first: the first encrypts, all of
them decrypt. Without ENCRYPTION_KEYS one key is derived from SECRET_KEY (HKDF), so the
embedded default needs no extra secret. To rotate: put a new key first in
ENCRYPTION_KEYS (keep the old ones after it), run `manage.py rotate_secrets`, then drop
the old keys.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretUnreadable(Exception):
    """The ciphertext was made with a key that is no longer configured (or is corrupt)."""


def derive_key(secret_key: str) -> bytes:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"siyana-secrets", info=b"fernet").derive(secret_key.encode())
    return base64.urlsafe_b64encode(raw)


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        return MultiFernet([Fernet(derive_key(secret_key))])
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64 bytes), comma-separated, newest first"
        ) from None


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt(plain: str) -> str:
    return fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("a stored secret cannot be decrypted with the configured ENCRYPTION_KEYS") from None


def rotate(token: str) -> str:
    """Re-encrypt with the newest key."""
    try:
        return fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("a stored secret cannot be decrypted with the configured ENCRYPTION_KEYS") from None
