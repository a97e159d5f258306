"""The one print helper for text read from files: a name with a line feed, a carriage return or
an escape character (a file, dataset or class name is anything its author typed) is shown
escaped, so it can neither forge a row of a report nor colour or rewrite the terminal."""

from __future__ import annotations

import unicodedata


def printable(text: object) -> str:
    r"""``text`` (a path, say: its ``str``) with every control character (C0, DEL, C1: LF, CR,
    ESC, NEL ...) and line or paragraph separator written as its Python escape; anything else
    unchanged.

    Examples:
        >>> printable("car\nds0: 9 images")
        'car\\nds0: 9 images'
        >>> printable("\x1b[31mred\r"), printable("voiture rouge Ü")
        ('\\x1b[31mred\\r', 'voiture rouge Ü')
        >>> from pathlib import Path
        >>> printable(Path("out\rds0"))
        'out\\rds0'
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(
        repr(char)[1:-1] if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char
        for char in text
    )
