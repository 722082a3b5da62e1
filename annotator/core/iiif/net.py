"""Fetching from the web for a IIIF import: http(s) only, a timeout, size caps, and
a message the scholar understands for every failure.

A manifest comes from anyone: it may name ``file:///etc/passwd`` as an image, redirect
to a host inside the scholar's network, answer with an HTML error page or a 10 GB
stream. So a URL must be http or https (also after each redirect), a body is read in
chunks up to a cap, and ``allowed_hosts`` (or ``$ANNOTATOR_NET_ALLOW``, a comma list)
can keep every request, redirects included, on named hosts: the tests use it to stay
on localhost. Nothing here runs unless an import asks for it.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

from annotator.core.errors import ImportFailed

TIMEOUT = 30.0  # seconds without an answer before a request is given up
MAX_MANIFEST_BYTES = 32 * 1024 * 1024
MAX_INFO_BYTES = 2 * 1024 * 1024  # an image service's info.json
MAX_IMAGE_BYTES = 300 * 1024 * 1024
_CHUNK = 256 * 1024


class Cancelled(ImportFailed):
    """The scholar cancelled; what was fetched stays in the partial folder."""


def check_url(url: str, allowed_hosts: frozenset[str] | None = None) -> str:
    """``url`` when it is http(s) (on an allowed host), else ImportFailed saying why."""
    if not isinstance(url, str) or not url.strip():
        raise ImportFailed("the manifest names no address for this resource.")
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ImportFailed(f"only http and https addresses are fetched; refused "
                           f"{url[:120]!r}.")
    if allowed_hosts is not None and parts.hostname.lower() not in allowed_hosts:
        raise ImportFailed(f"{parts.hostname} is not among the hosts this import may reach "
                           f"({', '.join(sorted(allowed_hosts))}); refused {url[:120]!r}.")
    return url


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to an http(s) address on an allowed host."""

    max_redirections = 5

    def __init__(self, allowed_hosts: frozenset[str] | None) -> None:
        self.allowed_hosts = allowed_hosts

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        check_url(newurl, self.allowed_hosts)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _env_hosts() -> frozenset[str] | None:
    value = os.environ.get("ANNOTATOR_NET_ALLOW", "").strip()
    return frozenset(h.strip().lower() for h in value.split(",") if h.strip()) or None


class Web:
    """One import's access to the web: the hosts it may reach and its timeout."""

    def __init__(self, allowed_hosts: set[str] | frozenset[str] | None = None,
                 timeout: float = TIMEOUT) -> None:
        self.allowed_hosts = (frozenset(h.lower() for h in allowed_hosts)
                              if allowed_hosts is not None else _env_hosts())
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_Redirects(self.allowed_hosts))
        self._opener.addheaders = [("User-Agent", "annotator (IIIF import)"),
                                   ("Accept", "application/ld+json, application/json, "
                                              "image/*;q=0.9, */*;q=0.5")]

    def get(self, url: str, max_bytes: int, *,
            cancelled: Callable[[], bool] | None = None) -> tuple[bytes, str]:
        """The body of ``url`` (at most ``max_bytes``) and its content type."""
        url = check_url(url, self.allowed_hosts)
        try:
            with self._opener.open(url, timeout=self.timeout) as answer:
                declared = answer.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise ImportFailed(f"{url[:120]} is {int(declared) // 2**20} MB; at most "
                                       f"{max_bytes // 2**20} MB is fetched.")
                chunks, size = [], 0
                while True:
                    if cancelled is not None and cancelled():
                        raise Cancelled("the import was cancelled; the pages fetched so far "
                                        "are kept for the next try.")
                    chunk = answer.read(_CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > max_bytes:
                        raise ImportFailed(f"{url[:120]} sends more than "
                                           f"{max_bytes // 2**20} MB; refused.")
                    chunks.append(chunk)
                return b"".join(chunks), answer.headers.get_content_type()
        except urllib.error.HTTPError as exc:
            raise ImportFailed(f"the server answered {exc.code} {exc.reason} for "
                               f"{url[:160]}.") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, ImportFailed):
                raise reason from None
            raise ImportFailed(f"{url[:160]} could not be reached: {reason}.") from None
        except TimeoutError:
            raise ImportFailed(f"{url[:160]} did not answer within {self.timeout:g} s."
                               ) from None
        except OSError as exc:
            raise ImportFailed(f"{url[:160]} could not be read: {exc}.") from None
