"""``jixiao serve``: the HTTP service (issue 13) — a FastAPI app, a SQLite job queue, worker
processes running the one pipeline (:func:`jixiao.pipeline.extract_file`) — or, with
``--executor dask``, a dispatcher handing the queue to a Dask cluster (``dispatch.py``) — and a
review page.

Optional extra ``[server]`` (fastapi, uvicorn, python-multipart); nothing here is imported by
the base install — ``jixiao.cli`` imports :mod:`jixiao.serve.cli` lazily.
"""
