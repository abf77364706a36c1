"""Fetch the bytes of a ``$metadata`` document from a file or a service URL (HTTP Basic).

    >>> data = read_source("http://127.0.0.1:8080/ut/odata/standard.odata/", user="admin", password="")
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from pathlib import Path

from .edmx import MetadataError

MAX_BYTES = 512 * 1024 * 1024


def metadata_url(url: str) -> str:
    """A service root (``…/standard.odata`` or ``…/standard.odata/``) gets ``$metadata`` appended."""
    base = url.split("?", 1)[0]
    if base.rstrip("/").endswith("$metadata"):
        return url
    return base.rstrip("/") + "/$metadata"


def read_source(source: str, *, user: str | None = None, password: str | None = None,
                timeout: float = 60) -> bytes:
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(metadata_url(source), headers={"Accept": "application/xml"})
        if user is not None:
            credentials = f"{user}:{password or ''}".encode("utf-8")
            request.add_header("Authorization", "Basic " + base64.b64encode(credentials).decode("ascii"))
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                data = response.read(MAX_BYTES + 1)
        except urllib.error.HTTPError as exc:
            hint = " (wrong or missing --user/--password?)" if exc.code in (401, 403) else ""
            raise MetadataError(f"{request.full_url}: HTTP {exc.code} {exc.reason}{hint}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise MetadataError(f"{request.full_url}: cannot read: {reason}") from None
    else:
        path = Path(source)
        try:
            with path.open("rb") as file:
                data = file.read(MAX_BYTES + 1)
        except OSError as exc:
            raise MetadataError(f"{source}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise MetadataError(f"{source}: larger than {MAX_BYTES // (1024 * 1024)} MB")
    return data
