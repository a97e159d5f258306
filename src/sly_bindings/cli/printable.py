"""The one print helper for text read from files: a name with a line feed, a carriage return or
an escape character (a file, dataset or class name is anything its author typed) is shown
escaped, so it can neither forge a row of a report nor colour or rewrite the terminal; so is an
invisible format character (a right-to-left override shows the rest of a row reversed, a
zero-width space makes two names look alike)."""

from __future__ import annotations

import unicodedata

ESCAPED = ("Cc", "Zl", "Zp", "Cf")  # controls, line and paragraph separators, format characters
# Format characters that scripts and emoji sequences need (zero-width non-joiner and joiner).
KEPT = frozenset("\u200c\u200d")


def printable(text: object) -> str:
    r"""``text`` (a path, say: its ``str``) with every control character (C0, DEL, C1: LF, CR,
    ESC, NEL ...), line or paragraph separator and format character (bidirectional overrides
    and isolates, zero-width space, BOM; not the joiners) written as its Python escape;
    anything else unchanged.

    Examples:
        >>> printable("car\nds0: 9 images")
        'car\\nds0: 9 images'
        >>> printable("\x1b[31mred\r"), printable("voiture rouge Ü")
        ('\\x1b[31mred\\r', 'voiture rouge Ü')
        >>> from pathlib import Path
        >>> printable(Path("out\rds0"))
        'out\\rds0'
        >>> printable("ds\u202e0: 9 images"), printable("car\u200b")
        ('ds\\u202e0: 9 images', 'car\\u200b')
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(
        (
            char.encode("unicode_escape").decode("ascii")
            if unicodedata.category(char) in ESCAPED and char not in KEPT
            else char
        )
        for char in text
    )
