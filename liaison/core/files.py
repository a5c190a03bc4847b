"""Uploaded files judged by their content, never by their name or the browser's claim: the one
place that says what an image or a PDF is, for evidence, attachments and replies alike."""

import io

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
PDF_MAGIC = b"%PDF-"
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOC = "application/msword"
WORD_EXTENSIONS = {DOCX: ".docx", DOC: ".doc"}


def sniff_document(data: bytes) -> str | None:
    """The content type of a photo or document: JPEG and PNG must open and verify with Pillow, a PDF
    must start with its header and carry an end marker. None when it is none of them."""
    if data.startswith(PNG_MAGIC) or data.startswith(JPEG_MAGIC):
        from PIL import Image

        expected = "PNG" if data.startswith(PNG_MAGIC) else "JPEG"
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.format != expected:
                    return None
                image.verify()
        except Exception:  # any decoding failure means "not a real image"
            return None
        return "image/png" if expected == "PNG" else "image/jpeg"
    if data.startswith(PDF_MAGIC) and b"%%EOF" in data[-2048:]:
        return "application/pdf"
    return None


def sniff_word(data: bytes) -> str | None:
    """The content type of a Word document: a .docx must open as a zip archive holding its content
    types and word/document.xml; a .doc must be an OLE2 compound file with a WordDocument stream.
    None when it is neither."""
    if data.startswith(ZIP_MAGIC):
        import zipfile

        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        return DOCX if {"[Content_Types].xml", "word/document.xml"} <= names else None
    if data.startswith(OLE2_MAGIC) and "WordDocument".encode("utf-16-le") in data:
        return DOC
    return None


def read_limited(file, limit: int) -> bytes | None:
    """The file's bytes, or None when it is larger than `limit`."""
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        return None
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(limit + 1)
    return None if len(data) > limit else data


def protected_file_response(field_file, *, content_type: str, filename: str, inline: bool):
    """An uploaded file sent by a view that has checked access (uploads are never served from
    MEDIA_ROOT): the stored type, no sniffing, no scripts, no caching. Http404 when the file is gone."""
    from django.http import FileResponse, Http404

    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404() from None
    content_type = content_type or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type, as_attachment=not inline, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
