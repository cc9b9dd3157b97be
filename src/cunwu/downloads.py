"""File answers shared by every app's pages and the API: a spreadsheet or PDF made on the fly, and a stored scan
or photo shown as exactly what it was checked to be."""

from django.http import FileResponse, HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def file_response(data: bytes, content_type: str, filename: str, inline: bool = False) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    return response


def stored_file_response(found) -> FileResponse:
    """A stored scan or photo, shown inline and never run as anything but what it was checked to be."""
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["Content-Disposition"] = f'inline; filename="{found.pk}.{found.file.name.rsplit(".", 1)[-1]}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response
