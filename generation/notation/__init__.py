"""Notation: the arrangement written as a musician reads it.

    arranged MIDI + Spec + Plan ─ score ─► music21 Score ─► <name>.musicxml (MusicXML 4.0)
                                                     └─ lead sheet ─ engrave ─► <name>.score.png

The MusicXML is the full score (every part, the drums on a percussion staff); the picture is
the lead sheet (the melody with its chord symbols and sections), engraved by verovio.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pretty_midi

from generation.music.plan import Plan
from generation.music.spec import Spec

ACCIDENTALS = {"b": "♭", "#": "♯"}


# Bars of the lead sheet the picture shows: the opening and every theme of the first round
# (generation/music/plan.py) in a picture about 3,000 px tall. A 20-minute piece has 300 bars
# or more: engraved whole, its picture was 1200 × 22,557 px (1.7 MB) and took 7 s to draw;
# the MusicXML holds every bar for a notation program.
PICTURE_BARS = 48


@dataclass(frozen=True)
class Notation:
    musicxml: Path
    score: Path  # the engraved lead sheet, PNG
    timings: dict[str, float] = field(default_factory=dict)
    note: str | None = None  # what the picture leaves out, for the user


def title_of(spec: Spec) -> str:
    """'Calm classical piece in D minor', 'Happy jazz piece in E♭ major'."""
    tonic, mode = spec.key.split()[0], " ".join(spec.key.split()[1:])
    tonic = tonic[0] + "".join(ACCIDENTALS.get(c, c) for c in tonic[1:])
    return f"{spec.mood.capitalize()} {spec.style} piece in {tonic} {mode}"


def write_notation(spec: Spec, plan: Plan, midi: pretty_midi.PrettyMIDI, base: Path) -> Notation:
    """Write `base`.musicxml (the full score) and `base`.score.png (the lead sheet) for the
    arrangement `midi` (as arranged: before the performance moves its notes)."""
    from generation.notation.engrave import engrave
    from generation.notation.score import score_of
    from generation.notation.writer import first_bars, musicxml_text, musicxml_tree, one_part

    timings: dict[str, float] = {}
    began = time.perf_counter()
    title = title_of(spec)
    score = score_of(spec, plan, midi, title)
    timings["score"] = time.perf_counter() - began
    began = time.perf_counter()
    musicxml = base.with_suffix(".musicxml")
    tree = musicxml_tree(score)
    # the file leaves the page's texts to the program that opens it (MuseScore 3 stacked
    # credits on one line); the picture prints title, request and seed
    musicxml.write_text(musicxml_text(tree), encoding="utf-8")
    timings["musicxml"] = time.perf_counter() - began
    began = time.perf_counter()
    shown, bars = first_bars(tree, PICTURE_BARS)
    note = None
    credits = {"title": title, "subtitle": f"“{spec.text[:100]}”",
               "composer": f"tunesmith · seed {spec.seed}"}
    if bars > PICTURE_BARS:
        credits["composer"] += f" · bars 1–{PICTURE_BARS} of {bars}"
        note = (f"the score picture shows the first {PICTURE_BARS} of {bars} bars; "
                "the MusicXML has them all")
    lead = next((i for i, track in enumerate(midi.instruments) if not track.is_drum), 0)
    picture = engrave(musicxml_text(one_part(shown, lead, credits)),
                      base.with_suffix(".score.png"))
    timings["engrave"] = time.perf_counter() - began
    return Notation(musicxml, picture, {k: round(v, 4) for k, v in timings.items()}, note)
