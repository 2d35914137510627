"""Hypothesis strategies shared by the "never fails" tests.

Typed text is anything but NUL: a NUL byte in an address or a form is answered 400 by
cms.middleware.RefuseNulBytesMiddleware before any view runs (tests/test_bad_input.py), so the
views' own handling is tested with every other character.
"""

from hypothesis import strategies as st


def typed_text(**kwargs):
    # Surrogates are left out as st.text() leaves them out: they cannot be encoded to send.
    alphabet = st.characters(exclude_characters="\x00", exclude_categories=("Cs",))
    return st.text(alphabet=alphabet, **kwargs)
