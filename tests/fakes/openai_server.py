"""A tiny fake OpenAI-compatible server on 127.0.0.1, for fault tests and replays.

Real HTTP, so the openai client, instructor and the transport retries run exactly as they
do against a real endpoint; only the answers are scripted. Each request is recorded
(path, headers, JSON body) so tests can assert what was sent.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from collections.abc import Callable


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict → JSON; str → sent as is
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (timeouts)


# The small project form the recordings and the live-server test share.
SMALL_TABLE = [
    ["一级指标", "二级指标", "三级指标", "半年指标值", "全年指标值"],
    ["产出指标", "数量指标", "检查企业数量", "≥50家", "≥120家"],
    ["", "", "发放宣传册", "=500份", "=1000份"],
    ["", "时效指标", "投诉处理及时率", "≥95%", "≥95%"],
    ["满意度指标", "服务对象满意度", "企业满意度", "≥90%", "≥90%"],
]


def completion(content: str | None, *, finish_reason: str = "stop", tokens_in: int = 100, tokens_out: int = 20,
               model: str = "fake-model") -> dict[str, Any]:
    """A chat.completion body with ``content`` as the assistant message."""
    return {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "finish_reason": finish_reason,
                     "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": tokens_in, "completion_tokens": tokens_out, "total_tokens": tokens_in + tokens_out},
    }


Responder = Callable[[dict[str, Any], int], Reply]


class FakeOpenAIServer:
    """``with FakeOpenAIServer(responder) as srv: srv.base_url …``.

    ``responder(request_json, n)`` gets the parsed request body and its 0-based number;
    a list of :class:`Reply` is served in order (the last one repeats).
    """

    def __init__(self, responder: Responder | list[Reply]):
        if isinstance(responder, list):
            replies = list(responder)
            self.responder: Responder = lambda req, n: replies[min(n, len(replies) - 1)]
        else:
            self.responder = responder
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw.decode("utf-8"))
                except ValueError:
                    body = {"_raw": raw.decode("utf-8", "replace")}
                with outer._lock:
                    n = len(outer.requests)
                    outer.requests.append({"path": self.path, "headers": dict(self.headers), "json": body,
                                           "raw": raw})
                reply = outer.responder(body, n)
                if reply.delay:
                    time.sleep(reply.delay)
                data = reply.body if isinstance(reply.body, (str, bytes)) else json.dumps(reply.body, ensure_ascii=False)
                payload = data.encode("utf-8") if isinstance(data, str) else data
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def messages(self, n: int) -> list[dict[str, Any]]:
        return self.requests[n]["json"].get("messages", [])


def make_table(rows: list[list[str]], *, page: int = 1, exact: bool = True, top: float = 100.0,
               row_h: float = 20.0, col_w: float = 90.0, source: str = "pdf-ruled") -> Any:
    """A ``Table`` of text cells with plausible boxes (one page, a regular grid)."""
    from jixiao.model.source import Cell, Table

    grid = []
    for r, texts in enumerate(rows):
        y0 = top + r * row_h
        grid.append([Cell(text=t, row=r, col=c, bbox=(40 + c * col_w, y0, 40 + (c + 1) * col_w, y0 + row_h), page=page)
                     for c, t in enumerate(texts)])
    return Table(rows=grid, exact_grid=exact, pages=[page], source=source)
