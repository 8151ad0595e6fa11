"""Text a person typed, checked once for what no question, name or comment contains:
control characters (but tab and line breaks) and lone UTF-16 surrogates (which JSON's
``\\ud800`` escapes can smuggle in and no encoder can write back out).

``check_clean`` is a pydantic field validator (a 422 that names the field, without echoing
the value); ``CLEAN_TEXT_SCHEMA`` says the same in the OpenAPI schema, so what the schema
allows the API accepts.
"""

from __future__ import annotations

import re

_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_CONTROL = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f"
CLEAN_TEXT_SCHEMA = {"pattern": rf"^[^{_CONTROL}]*$"}
# the same, with at least one character that is not white space (a question, a query)
CLEAN_NONBLANK_TEXT_SCHEMA = {"minLength": 1, "pattern": rf"^[^{_CONTROL}]*[^\s{_CONTROL}][^{_CONTROL}]*$"}


def bad_character(value: str) -> str | None:
    """A description of the first disallowed character in ``value``; None when it is clean."""
    m = _BAD.search(value)
    if m is None:
        return None
    code = ord(m.group())
    kind = "a lone surrogate" if 0xD800 <= code <= 0xDFFF else "a control character"
    return f"{kind} (U+{code:04X}) at position {m.start()}"


def check_clean(cls, value):  # noqa: ARG001 - pydantic passes the class
    if isinstance(value, str) and (bad := bad_character(value)) is not None:
        raise ValueError(f"contains {bad}; send plain text")
    return value
