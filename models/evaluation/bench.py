"""`tunesmith bench model`: batch-1 generation speed and memory of the shipped model."""

from __future__ import annotations

import resource
import statistics
import time
from pathlib import Path

from models.core.harmony import Chord
from models.core.notes import Controls
from models.evaluation.machine import machine

# A 16-bar, 4/4 folk tune: about 30 s of music at 120 bpm.
CONTROLS = Controls("folk", "major", (4, 4), 120, 0.5, 0.3, 0.2)
CHORDS = [Chord(0, "maj"), Chord(5, "maj"), Chord(7, "dom7"), Chord(0, "maj")] * 4


def run(runs: int = 5, path: Path | None = None) -> dict:
    """Median time, tokens/s, notes/s of `runs` warm generations; load time; peak RSS.

    `load_s` is the checkpoint load (the Transformer runs in numpy: no torch is imported).
    """
    from models.inference.sampler import MelodyModel

    began = time.perf_counter()
    model = MelodyModel.load(path)
    load_s = time.perf_counter() - began
    model.generate(CONTROLS, CHORDS, seed=0)  # warm up
    times, tokens, notes = [], [], []
    for seed in range(1, runs + 1):
        began = time.perf_counter()
        made = model.generate(CONTROLS, CHORDS, seed=seed)
        times.append(time.perf_counter() - began)
        tokens.append(model.last_token_count)
        notes.append(len(made))
    median = statistics.median(times)
    critic = _critic(made, runs)
    return {
        "what": "model", "machine": machine(), "model": model.version, "runs": runs,
        "bars": len(CHORDS),
        "decoder": type(model.network).__name__,  # NumpyTransformer, or TorchNetwork
        # decoding runs on one BLAS (or torch) thread: see models/inference/decoder.py
        "threads": 1,
        "load_s": round(load_s, 3),
        "median_s": round(median, 4),
        "tokens_per_s": round(sum(tokens) / sum(times), 1),
        "notes_per_s": round(sum(notes) / sum(times), 1),
        "mean_notes": statistics.mean(notes),
        "mean_tokens": statistics.mean(tokens),
        **critic,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _critic(notes, runs: int) -> dict:
    """Load time and median time of the critic scoring one 16-bar melody (4 phrases)."""
    from models.core.errors import ModelError
    from models.core.grid import notes_to_bars
    from models.inference.critic import NumpyCritic

    began = time.perf_counter()
    try:
        critic = NumpyCritic.load()
    except ModelError:
        return {"critic": "not trained"}
    load_s = time.perf_counter() - began
    bars = notes_to_bars(notes, "4/4", "major")
    critic.melody_score(bars, "essen", "major")  # warm up
    times = []
    for _ in range(max(runs, 5)):
        began = time.perf_counter()
        critic.melody_score(bars, "essen", "major")
        times.append(time.perf_counter() - began)
    return {"critic_load_s": round(load_s, 3),
            "critic_score_ms": round(1000 * statistics.median(times), 2)}
