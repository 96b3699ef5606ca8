"""`tunesmith bench parse`: how long reading a request takes, cold and warm.

Cold process is the wall time of a whole `tunesmith parse` (interpreter start, imports, encoder
and heads loaded, one request), what a user of the command waits; cold load is the imports and
loading inside this process; warm is every request after the first, which is what the bot pays
per /compose. The budget is 20 ms warm, and 30 ms for a description of 1,000 characters (the
long requests: MidiCaps-style captions). The machine is printed beside the figures.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from typing import Any

from models.evaluation.machine import machine

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


def cold_process_s(runs: int) -> list[float]:
    """Wall seconds of `runs` fresh `tunesmith parse` processes, one after another."""
    walls = []
    for _ in range(runs):
        begun = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot.cli", "parse", BENCH_REQUESTS[0], "--json"],
                       check=True, capture_output=True, timeout=300)
        walls.append(time.perf_counter() - begun)
    return walls


def long_requests(count: int = 12) -> list[str]:
    """Descriptions of 1,000 characters (the longest a request may be): two MidiCaps-style
    captions of the committed set run together, cut at the last whole word."""
    from generation.job import MAX_PROMPT
    from generation.tools.captions import read_captions

    texts = sorted((c["text"] for c in read_captions()), key=len, reverse=True)
    out = []
    for first, second in zip(texts[:count], texts[count:2 * count], strict=True):
        joined = f"{first} {second}"
        out.append(joined[:joined.rindex(" ", 0, MAX_PROMPT + 1)])
    return out


def run(runs: int = 5) -> dict[str, Any]:
    """Cold process and load times, then warm medians over `runs` passes through the bench
    requests."""
    walls = cold_process_s(max(1, runs))
    started = time.perf_counter()
    from generation.request.classifier import shared_classifier
    from generation.request.parse import parse_request

    classifier = shared_classifier()
    load_s = time.perf_counter() - started
    first = time.perf_counter()
    parse_request(BENCH_REQUESTS[0])
    first_ms = (time.perf_counter() - first) * 1000
    def timed(texts: list[str]) -> list[float]:
        """Milliseconds of each parse, `runs` times over `texts`, sorted."""
        found = []
        for _ in range(max(1, runs)):
            for text in texts:
                begun = time.perf_counter()
                parse_request(text)
                found.append((time.perf_counter() - begun) * 1000)
        return sorted(found)

    timings = timed(list(BENCH_REQUESTS))
    long = long_requests()
    parse_request(long[0])  # its own first call: the long path's tables are warm after it
    long_timings = timed(long)
    return {
        "machine": machine(),
        "requests": len(timings),
        "cold_process_median_s": round(statistics.median(walls), 2),
        "cold_process_max_s": round(max(walls), 2),
        "cold_load_s": round(load_s, 2),
        "encoder_load_s": round(classifier.encoder.load_s, 2),
        "first_request_ms": round(first_ms, 1),
        "warm_median_ms": round(statistics.median(timings), 2),
        "warm_p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 2),
        "warm_max_ms": round(timings[-1], 2),
        "budget_ms": 20,
        "within_budget": statistics.median(timings) <= 20,
        "long_requests": len(long_timings),
        "long_chars": round(statistics.mean(len(text) for text in long)),
        "long_warm_median_ms": round(statistics.median(long_timings), 2),
        "long_warm_p95_ms": round(long_timings[int(0.95 * (len(long_timings) - 1))], 2),
        "long_budget_ms": 30,
        "long_within_budget": statistics.median(long_timings) <= 30,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
