"""Hostile MIDI through the upload path (generation/music/upload.py clean_upload), and the renderer.

Every malformed file is built here, byte by byte. Each must be refused with a message that says
what is wrong, within 2 s, with the parsing child under its memory cap; files the renderer can
read must never be rendered past the sample budget. Property-based fuzzing (hypothesis) then
throws structured and unstructured garbage at the same path.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generation.composer import render_file
from generation.music.upload import MidiLimits, clean_upload
from generation.settings import Settings
from models.core.errors import MidiError
from tests.midi_bytes import END, chunk, header, notes, tempo, track, vlq

DEFAULT = MidiLimits()
BIG = MidiLimits(max_bytes=16 * 2**20)  # lets the oversized files reach the parser too


CORPUS = {
    "truncated header": b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0MTr",
    "chunk length of 4 GB": header() + chunk(b"MTrk", notes(4) + END, length=0xFFFFFFFF),
    "division 0": header(division=b"\x00\x00") + track(notes(8)),
    "SMPTE with 0 fps": header(division=b"\x80\x00") + track(notes(8)),
    "tempo 0": header() + track(tempo(0) + notes(8)),
    "a note that never ends": header() + track(b"\x00\x90\x3c\x40" + vlq(0x0FFFFFFF)
                                                + b"\xff\x01\x01x"),
    "10^6 notes": header() + track(notes(1_000_000, delta=0, length=1)),
    "delta times of 2^28": header() + track(notes(50, delta=0x0FFFFFFF)),
    "a 5-byte delta (past 2^28)": header() + track(b"\x81\x80\x80\x80\x00\x90\x3c\x40"),
    "65,535 empty tracks": header(tracks=65_535) + track(b"") * 65_535,
    "not MIDI": b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(64),
}


def measured(data: bytes, out_dir: Path, limits: MidiLimits = DEFAULT):
    """(error message or None, seconds) of one clean_upload call."""
    started = time.perf_counter()
    try:
        clean_upload(data, out_dir, limits)
        error = None
    except MidiError as refusal:
        error = str(refusal)
    return error, time.perf_counter() - started


PEAK = """
import resource, sys
from pathlib import Path
from generation.music.upload import MidiLimits, clean_upload
from models.core.errors import MidiError
try:
    clean_upload(sys.stdin.buffer.read(), Path(sys.argv[1]), MidiLimits(max_bytes=int(sys.argv[2])))
except MidiError:
    pass
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def child_peak_mib(data: bytes, out_dir: Path, limits: MidiLimits) -> float:
    """Peak resident memory of the parsing child for `data`, from a fresh process (so that no
    other child of the test run is counted)."""
    done = subprocess.run([sys.executable, "-c", PEAK, str(out_dir), str(limits.max_bytes)],
                          input=data, capture_output=True, check=True, timeout=30)
    return int(done.stdout.split()[-1]) / 1024


@pytest.mark.parametrize("limits", [MidiLimits(), BIG], ids=["default limits", "16 MB allowed"])
def test_every_hostile_file_is_refused_clearly_with_its_time_reported(tmp_path, limits):
    figures = {}
    for name, data in CORPUS.items():
        error, seconds = measured(data, tmp_path / "clean", limits)
        figures[name] = (round(seconds, 3), error)
        assert error is not None, f"{name} was accepted"
        assert len(error) > 20 and "Traceback" not in error, (name, error)
    peaks = {name: child_peak_mib(data, tmp_path / "peak", limits)
             for name, data in CORPUS.items() if len(data) <= limits.max_bytes}
    assert max(peaks.values()) < limits.memory_bytes / 2**20
    print("hostile figures", limits.max_bytes, {name: (*value, f"{peaks.get(name, 0):.0f} MiB")
                                                for name, value in figures.items()})


def test_refusals_name_the_problem(tmp_path):
    expected = {
        "not MIDI": "MThd",
        "10^6 notes": "limit",
        "65,535 empty tracks": "no notes",
        "division 0": "ticks per beat",
        "chunk length of 4 GB": "4294967295",
        "tempo 0": "tempo",
        "delta times of 2^28": "lasts",
    }
    for name, words in expected.items():
        error, _ = measured(CORPUS[name], tmp_path, BIG if name != "not MIDI" else MidiLimits())
        assert words in error, (name, error)


@pytest.mark.parametrize("name", ["a note that never ends", "delta times of 2^28", "tempo 0",
                                  "division 0", "SMPTE with 0 fps"])
def test_the_renderer_never_goes_past_its_budget(tmp_path, name):
    """`tunesmith render` reads files as they are; a hostile one is refused or capped."""
    path = tmp_path / "hostile.mid"
    path.write_bytes(CORPUS[name])
    settings = Settings(out_dir=tmp_path, max_render_s=20.0)
    try:
        rendered = render_file(path, tmp_path / "out", settings)
    except MidiError as error:
        assert len(str(error)) > 10
    else:
        assert rendered.duration_s <= settings.max_render_s + settings.release_tail_s + 0.1


# --- fuzzing ---------------------------------------------------------------------------------

events = st.one_of(
    st.tuples(st.integers(0, 0x0FFFFFFF), st.sampled_from([0x80, 0x90, 0xA0, 0xB0, 0xE0]),
              st.integers(0, 255), st.integers(0, 255)).map(
        lambda e: vlq(e[0]) + bytes([e[1], e[2] & 0x7F, e[3] & 0x7F])),
    st.tuples(st.integers(0, 1000), st.integers(0, 0x7F), st.binary(max_size=8)).map(
        lambda e: vlq(e[0]) + bytes([0xFF, e[1]]) + vlq(len(e[2])) + e[2]),
    st.binary(min_size=1, max_size=12),
)
structured = st.builds(
    lambda fmt, count, division, tracks: header(count, division, fmt) + b"".join(
        track(b"".join(t)) for t in tracks),
    st.integers(0, 3), st.integers(0, 70_000).map(lambda n: min(n, 65_535)),
    st.binary(min_size=2, max_size=2), st.lists(st.lists(events, max_size=30), max_size=4))
garbage = st.binary(min_size=0, max_size=2048).map(lambda b: b"MThd" + b)


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.one_of(structured, garbage))
def test_fuzzed_uploads_are_cleaned_or_refused_within_budget(tmp_path, data):
    try:
        clean = clean_upload(data, tmp_path)
    except MidiError as error:
        assert str(error) and "Traceback" not in str(error)
    else:  # accepted: the clean file holds only checked notes
        limits = MidiLimits()
        assert 0 < clean.notes <= limits.max_notes and clean.tracks <= limits.max_tracks
        assert clean.seconds <= limits.max_seconds and clean.path.exists()
