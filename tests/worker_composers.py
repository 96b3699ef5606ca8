"""Small Composers for the worker-pool tests and the fake runner: real files, chosen failures.

They are named to `WorkerPool` as "tests.worker_composers:QuickComposer", so that a spawned
worker process imports them the way it imports the real one.
"""

from __future__ import annotations

import os
import random
import struct
import time
import zlib
from pathlib import Path

from generation.job import Composition, Job
from models.core.errors import ModelError, RequestError


def tiny_png(path: Path, width: int = 4, height: int = 2) -> None:
    """A valid greyscale PNG, written by hand (no plotting library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + bytes(range(width)) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def write_piece(job: Job, out_dir: Path, seed: int, tempo: int,
                notes: tuple[str, ...] = ("mood guessed: calm",), *, mp3_ms: int = 500,
                bitrate: str = "64k") -> Composition:
    """Eight seeded notes as MIDI, `mp3_ms` of sine as MP3, a tiny PNG."""
    import symusic
    from pydub.generators import Sine

    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"piece-{seed}"
    rng = random.Random(seed)
    score = symusic.Score(480)
    score.tempos.append(symusic.Tempo(0, qpm=float(tempo)))
    track = symusic.Track(name="lead", program=0, is_drum=False)
    for index in range(8):
        track.notes.append(symusic.Note(index * 480, 480, rng.randint(55, 79), 90))
    score.tracks.append(track)
    midi = out_dir / f"{name}.mid"
    midi.write_bytes(score.dumps_midi())
    mp3 = out_dir / f"{name}.mp3"
    Sine(220 + seed % 440).to_audio_segment(duration=mp3_ms).export(
        mp3, format="mp3", bitrate=bitrate).close()
    png = out_dir / f"{name}.png"
    tiny_png(png)
    spec = {"key": job.key or "D minor", "tempo_bpm": tempo, "meter": "4/4",
            "style": "classical", "instruments": [job.instrument or "piano"], "bars": 2,
            "duration_s": 4.0}
    meta = out_dir / f"{name}.json"
    meta.write_text("{}")
    return Composition(name=name, midi=midi, mp3=mp3, png=png, json=meta, seed=seed,
                       model_version="fake-1", spec=spec, request={"text": job.text},
                       notes=notes, duration_s=4.0)


class UnwarmableComposer:
    """A composer whose model is missing, as before `tunesmith train model` has run."""

    def __init__(self, settings=None):
        pass

    def warm(self) -> None:
        raise ModelError("the music model's weights are missing: run `tunesmith train model`")


class QuickComposer:
    """Behaves by the job's text: "crash once", "crash always", "sleep", "bad", "busy"."""

    def __init__(self, settings=None):
        self.settings = settings
        self.warm_pid: int | None = None

    def warm(self) -> None:
        self.warm_pid = os.getpid()

    def run(self, job: Job, out_dir: Path, progress=None) -> Composition:
        if progress:
            progress("planning", 0.5)
        if job.text == "crash once":
            marker = out_dir.parent / "crashed-once"
            if not marker.exists():
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.touch()
                os._exit(3)
        if job.text == "crash always":
            os._exit(3)
        if job.text == "sleep":
            time.sleep(60)
        if job.text == "bad":
            raise RequestError("tempo 900 bpm is above the 240 bpm limit")
        if job.text == "busy":  # hold a CPU for a second, as a real model would
            end = time.perf_counter() + 1.0
            while time.perf_counter() < end:
                pass
        seed = job.seed if job.seed is not None else 1
        return write_piece(job, out_dir, seed, job.tempo_bpm or 90,
                           notes=(f"pid {os.getpid()} warmed {self.warm_pid}",))

