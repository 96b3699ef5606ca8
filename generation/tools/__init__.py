"""Offline tools, never run per request: the request heads' training, evaluations, benchmarks."""
