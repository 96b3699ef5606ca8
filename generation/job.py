"""The values every stage shares: what a user asked for (a Job), what their words mean (a
Request) and what they get back (a Composition), and the limits every entry point checks.

They are plain frozen values that survive JSON, so a job can wait in a queue or a database
and be run again later to give the same result. The request stage makes a Request, the music
stage reads it: it lives here so that neither stage imports the other.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from models.core.errors import RequestError

MAX_PROMPT = 1000  # characters a request may have, in every entry point (CLI, chat, Discord):
# long descriptions, such as captions that name key, tempo, meter, instruments and chords
MIN_BPM, MAX_BPM = 40, 240  # every tempo is kept inside these, asked, edited or uploaded
# seconds a piece may last, asked or edited: 20 minutes is background music for a class or a
# study session; longer asks are written at the limit and told so
MIN_LENGTH_S, MAX_LENGTH_S = 5.0, 1200.0
LONGEST = f"{MAX_LENGTH_S / 60:g} minutes"  # the limit as a user reads it


def check_prompt(text: str | None) -> str:
    """The request text, stripped; RequestError if it is empty or over MAX_PROMPT characters.

    The instant check every entry point makes before anything is queued or parsed.
    """
    text = (text or "").strip()
    if not text:
        raise RequestError("the request is empty; describe the music, e.g. 'calm piano in "
                           "D minor'")
    if len(text) > MAX_PROMPT:
        raise RequestError(f"the request is {len(text)} characters long; the limit is "
                           f"{MAX_PROMPT}")
    return text


def new_seed() -> int:
    """A fresh seed for a job that was given none (the one place seeds are drawn)."""
    import random  # here, not at the top: `tunesmith parse` starts without it

    return random.SystemRandom().randrange(2**31)


Action = Literal["compose", "regenerate", "vary", "extend", "faster", "slower", "instrument",
                 "continue", "edit", "blend"]

LITTLE, NORMAL, LOT = 0.5, 1.0, 2.0  # how far "a bit", plain and "much" move an attribute
# How far 🎲 and the words move a melody in the phrase VAE's latent space (0..1): "a little"
# keeps most notes and the rhythm (about 87 % of the notes on real pieces), 🎲 about half,
# "a lot" is a new tune on the same chords (about 15 % kept; reports/vae.md)
VARY_LITTLE, VARY_DEFAULT, VARY_LOT = 0.1, 0.2, 0.9
BLEND_MIX = 0.5  # a blend goes half way to the other piece unless told otherwise


@dataclass(frozen=True)
class Changes:
    """What an edit names; None or empty means "keep it as it is"."""

    tempo_bpm: int | None = None  # an absolute tempo ("at 120 bpm", "allegro")
    tempo_factor: float | None = None  # relative: 1.15 "faster", 0.5 "half the tempo"
    tempo_step: int = 0  # bpm added: "10 bpm faster" = 10, "down by 15 bpm" = -15
    tonic: str | None = None  # a named tonic ("now in G"), the mode kept unless `mode` is set
    mode: str | None = None  # "major", "minor", "dorian"...: the tonic kept unless named
    relative: bool = False  # "relative minor/major": the tonic moves with the mode
    transpose: int = 0  # semitones, + up: "up a whole step" = 2
    mood: str | None = None  # the mood to move towards ("sadder" → sad)
    mood_amount: float = NORMAL  # LITTLE, NORMAL or LOT
    style: str | None = None  # "turn it into rock", "jazzier"
    add: tuple[str, ...] = ()  # instruments to add
    remove: tuple[str, ...] = ()  # instruments to leave out
    swap: tuple[tuple[str, str], ...] = ()  # (old, new) instrument pairs
    lead: str | None = None  # the instrument that plays the melody
    only: tuple[str, ...] = ()  # the instruments kept, every other part left out ("just piano")
    duration_s: float | None = None  # an absolute length
    length_factor: float | None = None  # relative: 2 "twice as long", 0.75 "shorter"
    meter: str | None = None  # "3/4" ("make it a waltz")
    rewrite: str | None = None  # a section written anew: 'beginning', 'middle' or 'ending'
    # ("a new ending", "redo the middle"); the rest of the melody stays as it was
    intro: int = 0  # bars of accompaniment to add before the melody ("add an intro")
    outro: int = 0  # bars of accompaniment to add after it ("a longer outro", "add a coda")
    density: float = 0.0  # a step of the melody's note density: + busier, − sparser
    # (instrument, step) a part made louder (+) or quieter (−) by LITTLE, NORMAL or LOT
    # ("the drums are too loud": ("drums", -1.0))
    levels: tuple[tuple[str, float], ...] = ()

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) != f.default for f in fields(self)
                   if f.name != "mood_amount")

    def to_json(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) != f.default}

    @classmethod
    def from_json(cls, data: dict) -> Changes:
        values = dict(data)
        for name in ("add", "remove", "only"):
            values[name] = tuple(values.get(name, ()))
        values["swap"] = tuple(tuple(pair) for pair in values.get("swap", ()))
        values["levels"] = tuple((name, float(step)) for name, step in values.get("levels", ()))
        return cls(**values)



@dataclass(frozen=True)
class Job:
    """One unit of work.

    `compose` reads `text`; every other action starts from `base`, the `spec` of an earlier
    Composition (its JSON), and changes one thing; `edit` changes what `changes` (a Changes,
    as JSON) names; `vary` moves the melody by `amount` (0..1, None: the 🎲 default);
    `blend` moves it `amount` of the way towards the melody of `other` (a second spec).
    `continue` reads the MIDI at `midi_path`. Options left as None are taken from the text
    (or the base).
    """

    action: Action = "compose"
    text: str = ""
    seed: int | None = None
    key: str | None = None  # "D minor"
    tempo_bpm: int | None = None
    duration_s: float | None = None
    instrument: str | None = None
    base: dict[str, Any] | None = None
    midi_path: str | None = None
    changes: dict[str, Any] | None = None  # for `edit`: Changes.to_json()
    amount: float | None = None  # for `vary`: how far (0..1); for `blend`: the mix
    other: dict[str, Any] | None = None  # for `blend`: the spec of the second piece
    notation: bool = True  # False: no MusicXML and no score picture (a caller wants MIDI only)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Job:
        data = dict(data)
        if "length_s" in data:  # what jobs stored by earlier versions call it
            data["duration_s"] = data.pop("length_s")
        return cls(**data)


@dataclass(frozen=True)
class Request:
    """What a user asked for, every slot filled; `stated` tells which ones they said."""

    text: str
    mood: str  # primary mood from the vocabulary
    moods: tuple[str, ...]  # every mood that fits, primary first
    style: str
    tempo_bpm: int
    key: str  # "D minor", "Eb major", "G dorian"
    meter: str  # "4/4"
    instruments: tuple[str, ...]
    duration_s: float
    bars: int | None  # only when the user stated bars
    stated: tuple[str, ...]
    notes: tuple[str, ...]
    without: tuple[str, ...] = ()  # instruments the user asked to leave out
    # the chords the user named, per bar, as canonical symbols ("Cm7", "G/B") or numerals
    # ("vi", "V7"): (("Am",), ("F",), ("C", "G")) is Am, F, then C and G in one bar
    chords: tuple[tuple[str, ...], ...] = ()
    whole_band: bool = False  # the instruments named are the whole ensemble ("a string
    # quartet", "violin solo", "for choir and organ"): the style adds no part to them

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text, "mood": self.mood, "style": self.style,
            "tempo_bpm": self.tempo_bpm, "key": self.key, "meter": self.meter,
            "instruments": list(self.instruments), "duration_s": self.duration_s,
            "bars": self.bars, "stated": list(self.stated), "notes": list(self.notes),
            "moods": list(self.moods), "without": list(self.without),
            "chords": [list(bar) for bar in self.chords], "whole_band": self.whole_band,
        }


@dataclass(frozen=True)
class Composition:
    """The finished piece: its files, every choice made, and how long each stage took."""

    name: str
    midi: Path
    mp3: Path
    png: Path
    json: Path
    seed: int
    model_version: str
    spec: dict[str, Any]
    request: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    duration_s: float = 0.0
    form: str = ""  # "intro 2 · A 4 · B 4 · A 4 · outro 2": sections and their bars
    chords: tuple[str, ...] = ()  # one a bar, as a lead sheet writes them
    musicxml: Path | None = None  # the full score, MusicXML 4.0 (None: not asked for)
    score: Path | None = None  # the engraved lead sheet, PNG

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("midi", "mp3", "png", "json"):
            data[name] = str(data[name])
        for name in ("musicxml", "score"):
            data[name] = None if data[name] is None else str(data[name])
        data["notes"], data["chords"] = list(self.notes), list(self.chords)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Composition:
        data = dict(data)
        for name in ("midi", "mp3", "png", "json"):
            data[name] = Path(data[name])
        for name in ("musicxml", "score"):
            data[name] = Path(data[name]) if data.get(name) else None
        data["notes"] = tuple(data.get("notes", ()))
        data["chords"] = tuple(data.get("chords", ()))
        return cls(**data)


FOLLOW_UPS = ("regenerate", "vary", "extend", "faster", "slower", "instrument")


def follow_up(job: Job, composition: Composition, action: str, *, seed: int,
              instrument: str | None = None, amount: float | None = None) -> Job:
    """The Job for a control pressed on an earlier piece (🔁 🎲 ⏩ 🐢 🐇 🎹).

    Every action starts from the earlier piece's spec; 🔁 keeps the user's own options too,
    so a regenerate is the same request with only the seed changed.
    """
    if action not in FOLLOW_UPS:
        raise ValueError(f"{action!r} is not one of {FOLLOW_UPS}")
    return Job(action=action, text=job.text, seed=seed, key=job.key, tempo_bpm=job.tempo_bpm,
               duration_s=job.duration_s, instrument=instrument if action == "instrument"
               else job.instrument, base=composition.spec, midi_path=job.midi_path,
               amount=amount if action == "vary" else None)


def blend_job(first: Composition, second: Composition, *, mix: float, seed: int,
              midi_path: str | None = None) -> Job:
    """The Job for a blend: `first`'s piece (key, tempo, plan, arrangement) with its melody
    moved `mix` (0..1) of the way towards `second`'s, phrase by phrase."""
    if not 0.0 <= mix <= 1.0:
        raise RequestError(f"a blend's mix is between 0 and 1, not {mix:g}")
    return Job(action="blend", text=first.spec.get("text", ""), seed=seed, base=first.spec,
               other=second.spec, amount=mix, midi_path=midi_path)
