"""`tunesmith bench parse`: how long reading a request takes, cold and warm.

Cold is the first request of a process (imports, encoder and heads loaded); warm is every
request after it, which is what the bot pays per /compose. The budget is 20 ms warm.
"""

from __future__ import annotations

import resource
import statistics
import time
from typing import Any

# Requests of the kinds people send: short, long, scenes, slots, other languages, odd text.
BENCH_REQUESTS = (
    "calm piano in D minor",
    "villain music",
    "rainy sunday afternoon with a cup of tea and nothing to do",
    "epic orchestral battle theme 140 bpm, 2 minutes, with choir and timpani",
    "lofi beats to study to",
    "sad waltz on the fiddle in 3/4, 16 bars",
    "8-bit boss battle!!! 🔥🔥",
    "une valse en ré mineur pour violon",
    "D小调 钢琴 每分钟140拍",
    "asdfghjkl",
    "can u make smth chill for my minecraft vid pls, like 45s, in the key of E flat",
    "jazz trio late at night, brushes on the drums, upright bass and piano, smoky bar",
)


def run(runs: int = 5) -> dict[str, Any]:
    """Cold load time, then warm medians over `runs` passes through the bench requests."""
    started = time.perf_counter()
    from generation.classifier import shared_classifier
    from generation.request import parse_request

    classifier = shared_classifier()
    load_s = time.perf_counter() - started
    first = time.perf_counter()
    parse_request(BENCH_REQUESTS[0])
    first_ms = (time.perf_counter() - first) * 1000
    timings = []
    for _ in range(max(1, runs)):
        for text in BENCH_REQUESTS:
            begun = time.perf_counter()
            parse_request(text)
            timings.append((time.perf_counter() - begun) * 1000)
    timings.sort()
    return {
        "requests": len(timings),
        "cold_load_s": round(load_s, 2),
        "encoder_load_s": round(classifier.encoder.load_s, 2),
        "first_request_ms": round(first_ms, 1),
        "warm_median_ms": round(statistics.median(timings), 2),
        "warm_p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 2),
        "warm_max_ms": round(timings[-1], 2),
        "budget_ms": 20,
        "within_budget": statistics.median(timings) <= 20,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
