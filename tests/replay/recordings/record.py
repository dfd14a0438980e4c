"""Record real llama-server exchanges into tests/replay/recordings/*.json (run by hand).

    .venv/bin/python tests/replay/recordings/record.py

Starts the local server (jixiao.providers.serve), runs each scenario through the real code
path (OpenAICompatProvider via extract_with_llm / a direct structured call) with an
httpx hook that captures every request body and response body, and writes one file per
scenario labelled with the server version and the date. The unit tests replay these
bodies from a fake server, so they run in milliseconds without the server.

Re-record after changing the prompt, the chunk rendering or the response schema
(tests/replay/test_llm_replay.py fails and says so when the request no longer matches).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # tests/: for fakes.openai_server

# The form region every scenario uses (rebuilt from the recording by the replay tests).
TITLE = "项目支出绩效目标表"


def main() -> int:
    import httpx2

    from jixiao.extract.llm.run import extract_with_llm
    from jixiao.providers.cli import PingReply
    from jixiao.providers.config import LlmConfig
    from jixiao.providers.openai_compat import OpenAICompatProvider
    from jixiao.providers.provider import LlmError
    from jixiao.providers.serve import MODEL_NAME, start_server
    from fakes.openai_server import SMALL_TABLE, make_table
    from jixiao.segment import FormRegion

    exchanges: list[dict[str, Any]] = []

    def on_response(response: Any) -> None:
        response.read()
        exchanges.append({
            "request": json.loads(response.request.content.decode("utf-8")),
            "status": response.status_code,
            "response": response.json() if response.status_code == 200 else response.text,
        })

    server = start_server(port=0, ctx=4096)
    label = f"llama-server {server.version} gemma3-270m q4_k_m"
    print(f"{label} at {server.base_url} (ready in {server.started_s:.1f} s)")
    try:
        def provider(**kw: Any) -> OpenAICompatProvider:
            cfg = LlmConfig(base_url=server.base_url, model=MODEL_NAME, profile="llamacpp", timeout=300,
                            transport_retries=0, **kw)
            return OpenAICompatProvider(cfg, http_client=httpx2.Client(event_hooks={"response": [on_response]},
                                                                       timeout=300))

        def save(name: str, extra: dict[str, Any]) -> None:
            data = {"recorded_from": label, "date": dt.date.today().isoformat(), "scenario": name, **extra,
                    "exchanges": list(exchanges)}
            (HERE / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
            print(f"  {name}: {len(exchanges)} exchange(s)")
            exchanges.clear()

        # 1. the whole LLM path on one small region (full mode, no rules form)
        region = FormRegion(blocks=[make_table(SMALL_TABLE, page=1)], title=TITLE)
        p = provider(validation_retries=1, max_output_tokens=1024)
        with tempfile.TemporaryDirectory() as cache:
            t0 = time.monotonic()
            form, stats = extract_with_llm(region, None, "full", p.config, cache, provider=p)
            stats["wall_s"] = round(time.monotonic() - t0, 2)
        print("  extract stats:", json.dumps(stats, ensure_ascii=False))
        save("extract_small_full", {"table": SMALL_TABLE, "title": TITLE, "config": {"max_output_tokens": 1024},
                                    "stats": stats,
                                    "result": [i.model_dump(mode="json", include={"level3", "target", "row_id"})
                                               for i in form.indicators],
                                    "flags": [f.code for f in form.flags]})

        # 2. a ping-sized structured call
        p = provider(validation_retries=0)
        msgs = [{"role": "system", "content": "你只输出 JSON。"},
                {"role": "user", "content": '回复 JSON：{"ok": true, "echo": "绩效"}'}]
        try:
            reply, usage = p.complete_structured(msgs, PingReply, max_tokens=64, temperature=0.0)
            outcome = {"ok": True, "reply": reply.model_dump(), "usage": usage.__dict__}
        except LlmError as exc:
            outcome = {"ok": False, "error": exc.context()}
        save("ping", {"outcome": outcome})

        # 3. output cut by max_tokens (finish_reason=length)
        p = provider(validation_retries=0)
        with tempfile.TemporaryDirectory() as cache:
            p.config.max_output_tokens = 24  # raised to the 64-token floor: every answer is cut off
            form, stats = extract_with_llm(region, None, "full", p.config, cache, provider=p)
        save("extract_small_truncated", {"table": SMALL_TABLE, "title": TITLE, "config": {"max_output_tokens": 24},
                                         "stats": stats, "flags": [f.code for f in form.flags]})
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
