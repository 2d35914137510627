"""Codes people read aloud and type: invitation codes and certificate codes."""

import secrets

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: codes are read aloud and typed


def new_code(length: int, model) -> str:
    """A random code of `length` characters that no row of `model` has yet (its `code` field)."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
        if not model.objects.filter(code=code).exists():
            return code
