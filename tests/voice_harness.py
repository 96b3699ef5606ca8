"""What the voice tests share: a runner whose pieces go through the real render stage with a
loudness shape you can follow, and how to compare what the fake voice server heard with a
piece's MP3."""

from __future__ import annotations

import asyncio
import io
import random
from pathlib import Path

import numpy as np
from pydub import AudioSegment

from generation.job import Composition, Job
from tests.worker_composers import tiny_png

# (start s, end s, velocity, notes at once): loud, soft, a rest, loud, soft
SHAPE = ((0.0, 2.0, 118, 3), (2.0, 4.0, 22, 1), (5.0, 7.0, 118, 3), (7.0, 8.0, 30, 1))


def shaped_midi(seed: int, tempo: int = 120):
    """Eight seconds of piano whose loudness changes by section (see SHAPE)."""
    import pretty_midi

    rng = random.Random(seed)
    midi = pretty_midi.PrettyMIDI(initial_tempo=float(tempo))
    piano = pretty_midi.Instrument(program=0, name="piano")
    for start, end, velocity, voices in SHAPE:
        for onset in np.arange(start, end, 0.25):
            root = rng.choice((55, 57, 60, 62, 64))
            for voice in range(voices):
                piano.notes.append(pretty_midi.Note(velocity=velocity, pitch=root + 4 * voice,
                                                    start=float(onset),
                                                    end=float(onset) + 0.24))
    midi.instruments.append(piano)
    return midi


class RenderedRunner:
    """Jobs become SHAPE pieces rendered by the product's renderer (FluidSynth, master, MP3)."""

    def __init__(self):
        from generation.settings import Settings

        self.settings = Settings()
        self.jobs: list[Job] = []
        self.rendered: list[Composition] = []

    async def run(self, job: Job, out_dir: Path, progress=None) -> Composition:
        self.jobs.append(job)
        composition = await asyncio.to_thread(self._render, job, out_dir)
        self.rendered.append(composition)
        return composition

    def _render(self, job: Job, out_dir: Path) -> Composition:
        from generation.audio.render import render

        seed = job.seed if job.seed is not None else random.randrange(2**31)
        out_dir.mkdir(parents=True, exist_ok=True)
        name = f"shaped-{seed}"
        midi = shaped_midi(seed)
        midi.write(str(out_dir / f"{name}.mid"))
        rendered = render(midi, out_dir / name, self.settings, title=job.text or "shaped")
        tiny_png(out_dir / f"{name}.png")
        meta = out_dir / f"{name}.json"
        meta.write_text("{}")
        spec = {"key": "C major", "tempo_bpm": 120, "meter": "4/4", "style": "classical",
                "instruments": ["piano"], "bars": 4, "duration_s": rendered.duration_s}
        return Composition(name=name, midi=out_dir / f"{name}.mid", mp3=rendered.mp3,
                           png=out_dir / f"{name}.png", json=meta, seed=seed,
                           model_version="shaped-1", spec=spec, request={"text": job.text},
                           duration_s=rendered.duration_s)


def mp3_samples(data: bytes) -> tuple[np.ndarray, int]:
    """An MP3 decoded independently of the bot (pydub): mono float samples and their rate."""
    segment = AudioSegment.from_file(io.BytesIO(data), format="mp3")
    samples = np.array(segment.get_array_of_samples(), np.float64)
    samples = samples.reshape(-1, segment.channels).mean(axis=1)
    return samples / 32768.0, segment.frame_rate


def envelope(mono: np.ndarray, rate: int, window_s: float = 0.25) -> np.ndarray:
    """RMS of each `window_s` window, in dB."""
    size = int(rate * window_s)
    count = len(mono) // size
    windows = mono[:count * size].reshape(count, size)
    return 20 * np.log10(np.sqrt((windows ** 2).mean(axis=1)) + 1e-6)


def heard_mono(pcm: np.ndarray) -> np.ndarray:
    """The fake voice server's (samples, 2) int16 as mono float."""
    return pcm.astype(np.float64).mean(axis=1) / 32768.0


def quiet_runs_ms(mono: np.ndarray, rate: int, *, floor_db: float = -50.0,
                  window_ms: int = 10) -> list[float]:
    """The lengths (ms) of every run of `window_ms` windows quieter than `floor_db` dBFS."""
    size = rate * window_ms // 1000
    count = len(mono) // size
    level = 20 * np.log10(np.sqrt((mono[:count * size].reshape(count, size) ** 2)
                                  .mean(axis=1)) + 1e-9)
    runs, current = [], 0
    for quiet in level < floor_db:
        if quiet:
            current += 1
        elif current:
            runs.append(current * window_ms)
            current = 0
    if current:
        runs.append(current * window_ms)
    return runs
