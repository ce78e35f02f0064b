"""Password hashes (argon2id, via argon2-cffi) and one-time invite codes.

Only hashes are stored: argon2id for passwords (salted, memory-hard; parameters are
inside the hash string, so they can be raised later and old hashes rehashed on the
next sign-in), SHA-256 for invite codes (long random codes, single use, short-lived).
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()
#: Verified against when the username does not exist, so both cases take as long.
_DUMMY_HASH = _HASHER.hash("not a real password")
#: Unambiguous characters for codes people type (no 0/O, 1/I/L).
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; with no hash, spends the same time and says no."""
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)


def new_invite_code() -> str:
    """A code like ``K7PQ-M3XD-9TRA`` (about 59 bits)."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def invite_code_hash(code: str) -> str:
    """SHA-256 of the code as typed, ignoring case, spaces and dashes."""
    normal = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()
