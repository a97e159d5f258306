"""Read and write ``multipart/form-data`` bodies (image upload and bulk download)."""

import uuid
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from python_multipart.multipart import MultipartParser, parse_options_header


@dataclass(frozen=True)
class Part:
    """One part of a form: its field name, file name, content type and bytes."""

    name: str
    filename: Optional[str]
    content_type: Optional[str]
    data: bytes


def parse_form_data(body: bytes, content_type: str) -> List[Part]:
    """Split a ``multipart/form-data`` body into its parts, in order.

    Raises:
        ValueError: if the content type is not multipart/form-data with a boundary, or the
            body cannot be parsed.

    Examples:
        >>> body, ctype = build_form_data([("0-file", b"abc", "image/*")])
        >>> parse_form_data(body, ctype)[0].data
        b'abc'
    """
    kind, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise ValueError("Expected a multipart/form-data body with a boundary")

    parts: List[Part] = []
    headers: dict = {}
    field: List[bytes] = []
    value: List[bytes] = []
    chunks: List[bytes] = []

    def on_part_begin() -> None:
        headers.clear()
        chunks.clear()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        field.append(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        value.append(data[start:end])

    def on_header_end() -> None:
        headers[b"".join(field).lower()] = b"".join(value)
        field.clear()
        value.clear()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        chunks.append(data[start:end])

    def on_part_end() -> None:
        _, disposition = parse_options_header(headers.get(b"content-disposition", b""))
        filename = disposition.get(b"filename")
        ctype = headers.get(b"content-type")
        parts.append(
            Part(
                name=disposition.get(b"name", b"").decode("utf-8", "replace"),
                filename=None if filename is None else filename.decode("utf-8", "replace"),
                content_type=None if ctype is None else ctype.decode("latin-1"),
                data=b"".join(chunks),
            )
        )

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except Exception as error:  # python_multipart raises its own error classes
        raise ValueError(f"Malformed multipart body: {error}") from None
    return parts


def build_form_data(parts: Sequence[Tuple[str, bytes, str]]) -> Tuple[bytes, str]:
    """Build a ``multipart/form-data`` body from ``(name, data, content type)`` triples.

    Returns:
        The body and the value of its ``Content-Type`` header.

    Examples:
        >>> body, ctype = build_form_data([("17", b"img", "image/png")])
        >>> ctype.startswith("multipart/form-data; boundary=")
        True
        >>> b'Content-Disposition: form-data; name="17"' in body
        True
    """
    boundary = uuid.uuid4().hex
    chunks = []
    for name, data, ctype in parts:
        head = (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{name}"\r\n'
            f"Content-Type: {ctype}\r\n\r\n"
        )
        chunks += [head.encode("utf-8"), data, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode("ascii"))
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"
