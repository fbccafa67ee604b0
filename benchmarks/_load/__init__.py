"""HTTP load tools of benchmarks/api.py: ``servers`` (a production server on loopback) and
``clients`` (wrk, or httpx processes without it)."""
