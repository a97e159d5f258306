"""What the server learns from image bytes: hash, size and MIME type."""

import base64
import functools
import hashlib
import io
from typing import Tuple

from PIL import Image, UnidentifiedImageError


def bytes_hash(data: bytes) -> str:
    """The hash Supervisely names image data by: base64 of SHA-256 (``sly.fs.get_bytes_hash``).

    Examples:
        >>> bytes_hash(b"")
        '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='
    """
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def image_header(data: bytes) -> Tuple[int, int, str]:
    """Read ``(width, height, mime)`` from the header of encoded image bytes.

    Only the header is decoded, so this is cheap for large images.

    Raises:
        ValueError: if the bytes are not an image format Pillow knows.

    Examples:
        >>> image_header(blank_png(width=3, height=2))
        (3, 2, 'image/png')
        >>> image_header(b"not an image")
        Traceback (most recent call last):
        ...
        ValueError: Unsupported or corrupted image data
    """
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            mime = Image.MIME.get(image.format or "")
    except (UnidentifiedImageError, OSError, ValueError):
        raise ValueError("Unsupported or corrupted image data") from None
    if mime is None:
        raise ValueError("Unsupported or corrupted image data")
    return width, height, mime


@functools.lru_cache(maxsize=64)
def blank_png(width: int, height: int) -> bytes:
    """A black PNG of the given size, for images seeded without bytes.

    Raises:
        ValueError: if a side is not a positive integer.

    Examples:
        >>> blank_png(1, 1)[:8]
        b'\\x89PNG\\r\\n\\x1a\\n'
    """
    if width < 1 or height < 1:
        raise ValueError(f"Image sides must be positive, got {width}x{height}")
    buffer = io.BytesIO()
    Image.new("L", (width, height)).save(buffer, format="PNG")
    return buffer.getvalue()
