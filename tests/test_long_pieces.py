"""Pieces up to 20 minutes: the cap where a length is read, asked in an edit or added by a
follow-up; the long form; and what a 20-minute piece's files are (read back from the files)."""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path

import numpy as np
import pretty_midi
import pytest
from PIL import Image

from bot.handlers.delivery import FALLBACK_KBPS, fallback_kbps, fit_attachments
from generation.audio.pianoroll import BACKGROUND, LEFT, RIGHT, draw_piano_roll
from generation.job import MAX_LENGTH_S, Changes, Job, Request
from generation.music.edits import extended, with_tempo
from generation.music.plan import family_of, make_plan
from generation.music.revise import revise
from generation.music.spec import make_spec
from models.core.errors import RequestError

MIB = 2**20


def spec_of(seconds: float, tempo: int = 72):
    request = Request(text="calm piano", mood="calm", moods=("calm",), style="classical",
                      tempo_bpm=tempo, key="D minor", meter="4/4", instruments=("piano",),
                      duration_s=seconds, bars=None, stated=("instruments",), notes=())
    return make_spec(request, seed=3)


# --- reading the length ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def parse():
    from generation.request.classifier import shared_classifier
    from generation.request.parse import parse_request

    return lambda text: parse_request(text, classifier=shared_classifier())


@pytest.mark.model
@pytest.mark.parametrize(("text", "seconds"), [
    ("pottery class bg music, guitar and pan flute, calm, 10 min", 600.0),
    ("lofi for studying, make it last 20 min", 1200.0),
    ("ambient pads, 20 mins long", 1200.0),
    ("calm piano, 15 minutes", 900.0),
    ("ambient drone, 900s", 900.0),  # seconds written with a bare "s", up to the limit
])
def test_lengths_up_to_twenty_minutes_are_kept_as_said(parse, text, seconds):
    request = parse(text)
    assert request.duration_s == seconds and not request.notes


@pytest.mark.model
def test_a_longer_ask_is_twenty_minutes_and_says_so(parse):
    request = parse("background music for my shop, 45 minutes")
    assert request.duration_s == MAX_LENGTH_S == 1200.0
    assert list(request.notes) == ["length 45 minutes is over my limit of 20 minutes; the piece "
                             "lasts 20 minutes"]


# --- edits ------------------------------------------------------------------------------------

def test_an_edit_makes_a_piece_ten_minutes_long():
    longer = revise(spec_of(30.0), Changes(duration_s=600.0))
    assert longer.total_duration_s == pytest.approx(600.0, abs=0.01)
    assert not any("limit" in note for note in longer.notes)


def test_an_edit_past_twenty_minutes_gives_twenty_and_says_so():
    longer = revise(spec_of(30.0), Changes(duration_s=1800.0))
    assert longer.total_duration_s == pytest.approx(1200.0, abs=0.01)
    assert longer.notes[0] == ("30 minutes is over my limit of 20 minutes; the piece lasts "
                               "20 minutes")
    shorter = revise(longer, Changes(duration_s=300.0))  # the note goes with the length
    assert not any("limit" in note for note in shorter.notes)


def test_a_twenty_minute_piece_cannot_grow_any_longer():
    full = revise(spec_of(30.0), Changes(duration_s=1200.0))
    with pytest.raises(RequestError, match="already lasts 20 minutes"):
        revise(full, Changes(length_factor=1.5))
    with pytest.raises(RequestError, match="20 minutes is the longest"):
        extended(full)
    with pytest.raises(RequestError, match=r"that would last 2\d(\.\d)? minutes"):
        with_tempo(full, 0.8)
    assert with_tempo(full, 1.25).total_duration_s < 1200.0  # faster is shorter: fine


# --- the form ---------------------------------------------------------------------------------

def test_a_long_piece_develops_instead_of_looping_its_first_cycle():
    plan = make_plan(spec_of(1200.0))
    labels = [s.label for s in plan.sections if s.label not in ("intro", "outro", "end")]
    first = labels[:8]
    assert labels[8:16] == first  # a tune is played through twice before it develops
    rounds = [labels[i:i + 8] for i in range(16, len(labels) - 7, 8)]
    assert len(rounds) >= 8 and all(turn != first for turn in rounds)
    episodes = {family_of(label) for label in labels} - {"A", "B", "C"}
    assert len(episodes) >= 8  # a new episode each round
    assert sum(family_of(label) == "A" for label in labels) >= len(labels) // 4  # A returns


# --- the piano roll ---------------------------------------------------------------------------

def test_the_piano_roll_of_twenty_minutes_has_bar_lines_to_the_end(tmp_path):
    midi = pretty_midi.PrettyMIDI(initial_tempo=240)  # a bar a second: 1,200 bars
    piano = pretty_midi.Instrument(0)
    piano.notes = [pretty_midi.Note(80, 60 + i % 12, s, s + 0.5) for i, s in
                   enumerate(np.arange(0.0, 1200.0, 7.0))]
    midi.instruments.append(piano)
    path = draw_piano_roll(midi, tmp_path / "roll.png", title="long")
    with Image.open(path) as image:
        picture = np.asarray(image.convert("RGB")).astype(int)
    assert picture.shape == (600, 1200, 3)
    background = np.array([int(BACKGROUND[i:i + 2], 16) for i in (1, 3, 5)])
    row = picture[180]  # between the legend and the highest note: only bar lines cross it
    x = LEFT + (RIGHT - LEFT) * np.array([1000, 1190]) // 1200
    lines = np.flatnonzero(np.abs(row[x[0]:x[1]] - background).sum(axis=1) > 6)
    assert len(lines) >= 3  # bar lines in the last minutes, and not a grey wash either
    assert len(lines) < (x[1] - x[0]) / 4


# --- the audio fitted to Discord ------------------------------------------------------------

def test_the_bitrate_chosen_fits_twenty_minutes_in_ten_mib():
    seconds = 1202.0
    rooms = [10 * MIB - 64_000 - extras for extras in (1_600_000, 250_000, 0)]
    kbps = fallback_kbps(seconds, rooms)
    assert kbps == 64 and seconds * kbps * 125 < rooms[1]
    assert fallback_kbps(602.0, [10 * MIB - 30_000]) == 128
    assert fallback_kbps(1202.0, [500_000]) is None  # 32 kbps would not fit: no audio
    assert FALLBACK_KBPS == tuple(sorted(FALLBACK_KBPS, reverse=True))


# --- a whole 20-minute piece ------------------------------------------------------------------

def probe_seconds(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of",
                          "default=noprint_wrappers=1:nokey=1", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return float(out)


@pytest.mark.slow
@pytest.mark.model
def test_a_twenty_minute_piece_lasts_twenty_minutes_in_every_file(composer, tmp_path):
    piece = composer.run(Job(text="calm guitar and pan flute, 20 min", seed=3), tmp_path)
    spec = piece.spec
    bar_s = int(spec["meter"].split("/")[0]) * 60 / spec["tempo_bpm"]
    midi = pretty_midi.PrettyMIDI(str(piece.midi))
    assert abs(midi.get_end_time() - 1200.0) <= bar_s
    assert abs(probe_seconds(piece.mp3) - 1200.0) <= bar_s + 3.0  # and its release tail
    assert piece.mp3.stat().st_size < 1210 * 192 * 125 + 10_000  # 192 kbps, nothing more
    # the lead does not loop: its second half is not its first half again
    lead = next(t for t in midi.instruments if t.name == spec["parts"][0]["instrument"])
    halves = [[n.pitch for n in lead.notes if lo <= n.start < lo + 300] for lo in (0, 600)]
    assert halves[0] != halves[1][:len(halves[0])]
    # the score picture is the first bars, said so; the MusicXML has every bar
    with Image.open(piece.score) as picture:
        width, height = picture.size
    assert width == 1200 and height < 5000
    measures = len(re.findall(r"<measure ", piece.musicxml.read_text()))
    total_bars = round(1200 / bar_s)
    assert abs(measures / len(midi.instruments) - total_bars) <= 2
    assert any(re.match(r"the score picture shows the first 48 of \d+ bars", n)
               for n in piece.notes)
    # on a server with Discord's default 10 MiB limit the listener still gets all of it
    sent = asyncio.run(fit_attachments(piece, 10 * MIB))
    audio = next(p for p in sent.paths if p.suffix == ".mp3")
    assert sum(p.stat().st_size for p in sent.paths) <= 10 * MIB
    assert piece.midi in sent.paths and audio != piece.mp3
    assert abs(probe_seconds(audio) - probe_seconds(piece.mp3)) < 1.0
    assert re.search(r"The MP3 is at \d+ kbps", sent.note or "")


def test_the_slash_command_allows_twenty_minutes():
    from bot.handlers.commands import compose

    length = next(p for p in compose.parameters if p.name == "length")
    assert (length.min_value, length.max_value) == (10, 1200)

