"""A real HTTP server on 127.0.0.1 (a thread) that replays recorded API responses.

Routes match a path and, optionally, a subset of the query string. Each route answers its
responses in order and repeats the last one. Every request is kept (method, path, query,
headers), so tests can assert what was sent: pagination, conditional requests, tokens.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture(name: str) -> Any:
    """A recorded JSON body from tests/fixtures (``github/repo_airrflow.json``)."""
    return json.loads((FIXTURES / name).read_text())


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class _Route:
    path: str
    query: dict[str, str]
    replies: list[Reply]
    served: int = 0

    def next_reply(self) -> Reply:
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return reply


class ReplayServer:
    def __init__(self) -> None:
        self.routes: list[_Route] = []
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def add(self, path: str, *replies: Reply, query: dict[str, str] | None = None) -> None:
        """Answer GET ``path`` (with ``query`` a subset of its query string) with ``replies``."""
        self.routes.insert(0, _Route(path, dict(query or {}), list(replies)))

    def json(
        self, path: str, body: Any, *, query: dict[str, str] | None = None, **headers: str
    ) -> None:
        self.add(
            path,
            Reply(200, body, {k.replace("_", "-"): v for k, v in headers.items()}),
            query=query,
        )

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = dict(parse_qsl(parts.query))
        with self._lock:
            self.seen.append(
                Seen("GET", parts.path, query, {k.lower(): v for k, v in handler.headers.items()})
            )
            route = next(
                (
                    r
                    for r in self.routes
                    if r.path == parts.path and all(query.get(k) == v for k, v in r.query.items())
                ),
                None,
            )
            reply = route.next_reply() if route else Reply(404, {"message": "Not Found"})
        if reply.delay:
            time.sleep(reply.delay)
        body = b"" if reply.body is None else json.dumps(reply.body).encode()
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(body)))
            for key, value in reply.headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
            pass
