"""`tunesmith bench render` and `bench compose`: how fast the audio stage and a whole piece are.

Reports medians over several runs, because the machines are shared and noisy, and the
machine (CPU model, cores, date) beside them, because the machines differ by 3-4×.
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import pretty_midi

from generation.audio.render import encode_mp3, midi_to_audio, render
from generation.settings import Settings
from models.evaluation.machine import machine

RIFF = (0, 4, 7, 12, 7, 4, 2, 5)


def four_part_piece(seconds: float = 60.0, bpm: float = 100.0) -> pretty_midi.PrettyMIDI:
    """A piano, strings, bass and drums piece of `seconds`, like a typical composition."""
    beat = 60.0 / bpm
    midi = pretty_midi.PrettyMIDI(initial_tempo=bpm)
    midi.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0))
    for program, base, step, name in ((0, 60, 0.5, "piano"), (48, 55, 4.0, "strings"),
                                      (33, 36, 1.0, "bass")):
        part = pretty_midi.Instrument(program, name=name)
        t, i = 0.0, 0
        while t < seconds:
            length = min(step * beat, seconds - t)
            part.notes.append(pretty_midi.Note(85, base + RIFF[i % len(RIFF)], t, t + length))
            t, i = t + step * beat, i + 1
        midi.instruments.append(part)
    drums = pretty_midi.Instrument(0, is_drum=True, name="drums")
    t, i = 0.0, 0
    while t < seconds:
        drums.notes.append(pretty_midi.Note(100, 36 if i % 2 == 0 else 38, t, t + 0.1))
        drums.notes.append(pretty_midi.Note(70, 42, t + beat / 2, t + beat / 2 + 0.05))
        t, i = t + beat, i + 1
    midi.instruments.append(drums)
    return midi


def bench_render(runs: int, settings: Settings) -> dict[str, Any]:
    """Synthesis and MP3 encoding each alone (whole piece), then `render` as a piece is
    rendered (MP3 encoded while it synthesizes, piano roll beside them)."""
    midi = four_part_piece(60.0)
    synth_s, mp3_s, files_s, stages = [], [], [], {}
    with tempfile.TemporaryDirectory() as folder:
        render(midi, Path(folder) / "warm", settings, title="warm")  # loads the SoundFont
        for _ in range(runs):
            started = time.perf_counter()
            audio = midi_to_audio(midi, settings)
            synth_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            encode_mp3(audio, Path(folder) / "bench.mp3", settings, "bench")
            mp3_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            done = render(midi, Path(folder) / "files", settings, title="bench")
            files_s.append(time.perf_counter() - started)
            for stage, seconds in done.timings.items():
                stages.setdefault(stage, []).append(seconds)
    audio_s = len(audio) / settings.sample_rate
    synth, mp3 = statistics.median(synth_s), statistics.median(mp3_s)
    files = statistics.median(files_s)
    return {
        "machine": machine(),
        "piece": "60 s, 4 parts (piano, strings, bass, drums)",
        "audio_s": round(audio_s, 2),
        "runs": runs,
        "render_median_s": round(synth, 3),
        "mp3_median_s": round(mp3, 3),
        "render_realtime_x": round(audio_s / synth, 1),
        "mp3_realtime_x": round(audio_s / mp3, 1),
        "render_plus_mp3_realtime_x": round(audio_s / (synth + mp3), 1),
        "files_median_s": round(files, 3),  # MP3 and PNG written by render()
        "files_realtime_x": round(audio_s / files, 1),
        "files_stage_median_s": {k: round(statistics.median(v), 4) for k, v in stages.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


COLD_SCRIPT = """
import resource, sys, time
started = time.perf_counter()
from pathlib import Path
from generation.composer import Composer
from generation.job import Job
Composer().run(Job(text=sys.argv[1], seed=1), Path(sys.argv[2]))
print(time.perf_counter() - started)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
COMPOSE_TEXT = "calm piano and strings in D minor, 30 seconds"


def bench_compose(runs: int, settings: Settings) -> dict[str, Any]:
    """A 30 s piece end to end, warm (parse through MP3 and PNG), cold start, peak memory."""
    import subprocess
    import sys

    from generation.composer import Composer
    from generation.job import Job

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", COLD_SCRIPT, COMPOSE_TEXT, folder],
                              capture_output=True, text=True, check=True)
        cold_wall = time.perf_counter() - started
        cold_s, peak_kb = (float(x) for x in done.stdout.split()[-2:])
        composer = Composer(settings)
        composer.warm()
        totals, bare, stages = [], [], {}
        for seed in range(runs):  # with and without the notation, alternately
            started = time.perf_counter()
            composer.run(Job(text=COMPOSE_TEXT, seed=seed, notation=False), Path(folder))
            bare.append(time.perf_counter() - started)
            started = time.perf_counter()
            piece = composer.run(Job(text=COMPOSE_TEXT, seed=seed), Path(folder))
            totals.append(time.perf_counter() - started)
            for stage, seconds in piece.timings.items():
                stages.setdefault(stage, []).append(seconds)
    warm = statistics.median(totals)
    return {
        "machine": machine(),
        "request": COMPOSE_TEXT,
        "runs": runs,
        "piece_s": piece.duration_s,
        "warm_median_s": round(warm, 3),
        "warm_p90_s": round(sorted(totals)[int(0.9 * (len(totals) - 1))], 3),
        "faster_than_real_time_x": round(piece.duration_s / warm, 1),
        # the same pieces with `notation=False`: what the MusicXML and score picture add
        "warm_without_notation_median_s": round(statistics.median(bare), 3),
        "notation_adds_s": round(warm - statistics.median(bare), 3),
        # render_wall is the render stages' wall time: synth, gauge, mp3 and png overlap
        "stage_median_s": {k: round(statistics.median(v), 4) for k, v in stages.items()},
        "cold_start_s": round(cold_s, 2),
        "cold_start_process_wall_s": round(cold_wall, 2),
        "cold_peak_rss_mb": round(peak_kb / 1024, 1),
        "warm_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


# Edit turns of a conversation on a 30 s piece: those that keep the notes, then rewrites.
KEEPING = ("a bit faster", "add a cello", "up a whole step", "melody on flute", "slower",
           "drop the cello", "in G", "a new ending")
REWRITING = ("sadder", "jazzier", "in 3/4")


def bench_chat(runs: int, settings: Settings) -> dict[str, Any]:
    """Warm edit turns of a conversation (each a whole new version: MIDI, MP3 and PNG)."""
    import random

    from generation.composer import Composer
    from generation.conversation import Conversation
    from generation.request.reader import shared_reader

    composer = Composer(settings)
    composer.warm()
    shared_reader()  # the conversation reader is loaded once per process, like the composer
    keeping, rewriting = [], []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(runs):
            talk = Conversation(lambda job: composer.run(job, Path(folder)), random.Random(run))
            talk.say(COMPOSE_TEXT)
            for lines, times in ((KEEPING, keeping), (REWRITING, rewriting)):
                for line in lines:
                    started = time.perf_counter()
                    answer = talk.say(line)
                    times.append(time.perf_counter() - started)
                    if answer.kind != "piece":
                        raise RuntimeError(f"the bench's edit {line!r} failed: {answer.reply}")
    return {
        "machine": machine(), "request": COMPOSE_TEXT, "runs": runs,
        "edits_keeping_the_notes": list(KEEPING), "edits_rewriting": list(REWRITING),
        "keeping_median_s": round(statistics.median(keeping), 3),
        "keeping_p90_s": round(sorted(keeping)[int(0.9 * (len(keeping) - 1))], 3),
        "rewriting_median_s": round(statistics.median(rewriting), 3),
    }


BENCHES = {"render": bench_render, "compose": bench_compose, "chat": bench_chat}


def run(what: str, runs: int = 5, settings: Settings | None = None) -> dict[str, Any]:
    return BENCHES[what](max(1, runs), settings or Settings.from_env())
