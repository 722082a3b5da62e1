"""A IIIF server on localhost for the tests: a level-0 static tile set made by the
`iiif` package's generator (the Image API reference implementation, PyPI) from small
scans in tests/data/iiif, served by Python's http.server in a thread, with a few
hostile answers beside it (a redirect off localhost, an HTML page, a huge body).

Every request is logged, so a test can see what an import fetched (and did not)."""

from __future__ import annotations

import http.server
import threading
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).parent / "data" / "iiif"
SCANS = ("tesseract_phototest", "tesseract_eurotext")


@dataclass
class IIIFServer:
    root: Path
    base: str
    requests: list[str] = field(default_factory=list)
    server: http.server.ThreadingHTTPServer | None = None

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def image_service(self, name: str) -> str:
        return self.url(f"iiif/{name}")

    def put(self, path: str, data: bytes | str) -> str:
        """Serve ``data`` at ``path``; its URL."""
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode() if isinstance(data, str) else data)
        return self.url(path)

    def fetched(self, fragment: str) -> int:
        return sum(fragment in r for r in self.requests)


def _handler(state: IIIFServer):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(state.root), **kwargs)

        def log_message(self, *args) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            state.requests.append(self.path)
            if self.path.startswith("/redirect-away"):
                self.send_response(302)
                self.send_header("Location", "http://example.invalid/manifest.json")
                self.end_headers()
                return
            if self.path.startswith("/redirect-file"):
                self.send_response(302)
                self.send_header("Location", "file:///etc/passwd")
                self.end_headers()
                return
            if self.path.startswith("/huge"):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(64 * 1024 * 1024))
                self.end_headers()
                return
            super().do_GET()

    return Handler


def start(root: Path) -> IIIFServer:
    """Generate the tiles under ``root`` and serve it on a free localhost port."""
    from iiif.static import IIIFStatic

    state = IIIFServer(root, "")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    state.server = server
    static = IIIFStatic(dst=str(root / "iiif"), tilesize=256, api_version="2.1",
                        prefix=f"{state.base}/iiif")
    for name in SCANS:
        static.generate(str(DATA / f"{name}.jpg"), identifier=name)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state


def stop(state: IIIFServer) -> None:
    if state.server is not None:
        state.server.shutdown()
        state.server.server_close()
