"""Cheap composers for the scale-out tests, named to `tunesmith worker --composer`.

The chaos and load tests need hundreds of jobs in seconds, so their workers run
`FastComposer`: a real MIDI (seeded notes), a real MP3 (lameenc) and a real PNG, plus a chosen
amount of busy time standing in for the model (TUNESMITH_TEST_JOB_S). The soak test runs
`RenderComposer`: the same seeded MIDI through the real render stage (the FluidSynth
synthesizer kept for the life of the process, MP3 encoding, the piano roll), which is
where a long-lived worker would leak if anything did.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import replace
from pathlib import Path

from generation.job import Composition, Job
from tests.worker_composers import tiny_png


def seeded_score(seed: int, tempo: int, notes: int = 16):
    import symusic

    rng = random.Random(seed)
    score = symusic.Score(480)
    score.tempos.append(symusic.Tempo(0, qpm=float(tempo)))
    track = symusic.Track(name="lead", program=0, is_drum=False)
    for index in range(notes):
        track.notes.append(symusic.Note(index * 240, 240, rng.randint(55, 79), 90))
    score.tracks.append(track)
    return score


def short_mp3(path: Path, seed: int, seconds: float = 0.25) -> None:
    import lameenc
    import numpy as np

    rate = 22_050
    t = np.arange(int(rate * seconds)) / rate
    wave = (0.2 * np.sin(2 * np.pi * (220 + seed % 440) * t) * 32767).astype(np.int16)
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(32)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(7)
    path.write_bytes(encoder.encode(wave.tobytes()) + encoder.flush())


def _composition(job: Job, out_dir: Path, name: str, seed: int, tempo: int,
                 model: str) -> Composition:
    spec = {"key": job.key or "C major", "tempo_bpm": tempo, "meter": "4/4", "style": "folk",
            "instruments": [job.instrument or "piano"], "bars": 2, "duration_s": 4.0}
    meta = out_dir / f"{name}.json"
    meta.write_text("{}")
    return Composition(name=name, midi=out_dir / f"{name}.mid", mp3=out_dir / f"{name}.mp3",
                       png=out_dir / f"{name}.png", json=meta, seed=seed, model_version=model,
                       spec=spec, request={"text": job.text}, notes=(f"pid {os.getpid()}",),
                       duration_s=4.0)


class FastComposer:
    """Real small files in a few milliseconds, then TUNESMITH_TEST_JOB_S of busy time."""

    def __init__(self, settings=None):
        self.job_s = float(os.environ.get("TUNESMITH_TEST_JOB_S", "0.1"))

    def warm(self) -> None:
        import lameenc  # noqa: F401  (loaded once, as a real composer loads its model)
        import symusic  # noqa: F401

    def run(self, job: Job, out_dir: Path, progress=None) -> Composition:
        if progress:
            progress("composing", 0.3)
        out_dir.mkdir(parents=True, exist_ok=True)
        seed = job.seed if job.seed is not None else random.randrange(2**31)
        tempo = job.tempo_bpm or 100
        name = f"fast-{seed}"
        (out_dir / f"{name}.mid").write_bytes(seeded_score(seed, tempo).dumps_midi())
        short_mp3(out_dir / f"{name}.mp3", seed)
        tiny_png(out_dir / f"{name}.png")
        deadline = time.monotonic() + self.job_s
        while time.monotonic() < deadline:  # sleeping in slices keeps a kill "mid-job"
            time.sleep(0.01)
        if progress:
            progress("rendering", 0.9)
        composition = _composition(job, out_dir, name, seed, tempo, "fast-1")
        if job.midi_path:  # an upload that travelled with the job: say what arrived
            size = Path(job.midi_path).stat().st_size
            composition = replace(composition, notes=(*composition.notes, f"upload {size} B"))
        return composition


class RenderComposer:
    """A seeded MIDI through the real render stage (synthesizer, MP3, piano roll)."""

    def __init__(self, settings=None):
        from generation.settings import Settings

        self.settings = settings or Settings()

    def warm(self) -> None:
        from generation.audio.synth import shared_synthesizer

        shared_synthesizer(self.settings.soundfont_path(), self.settings.sample_rate)

    def run(self, job: Job, out_dir: Path, progress=None) -> Composition:
        import pretty_midi

        from generation.audio.render import render

        out_dir.mkdir(parents=True, exist_ok=True)
        seed = job.seed if job.seed is not None else random.randrange(2**31)
        name = f"render-{seed}"
        midi_path = out_dir / f"{name}.mid"
        midi_path.write_bytes(seeded_score(seed, 120).dumps_midi())
        if progress:
            progress("rendering", 0.5)
        render(pretty_midi.PrettyMIDI(str(midi_path)), out_dir / name, self.settings,
               title=job.text or "soak")
        return _composition(job, out_dir, name, seed, 120, "render-1")


class BudgetComposer(FastComposer):
    """FastComposer that breaks its budgets on request: "hungry" allocates 3 GiB, "endless"
    never finishes."""

    def run(self, job: Job, out_dir: Path, progress=None) -> Composition:
        if job.text == "hungry":
            hoard = bytearray(3 * 2**30)  # refused by RLIMIT_AS before the kernel gives it
            hoard[-1] = 1
        if job.text == "endless":
            while True:
                time.sleep(0.05)
        return super().run(job, out_dir, progress)
