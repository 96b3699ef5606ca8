"""Request → Spec: every musical choice made once, seeded and recorded.

The emotion model maps the request's moods to valence/arousal, and those to density,
dynamics, articulation and register. What the user stated (key, tempo, meter, instruments,
length) is copied as it is: the emotion model only fills what was left open.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import asdict, dataclass, field
from typing import Any

from generation.chords import resolve
from generation.job import Request
from generation.music.instruments import BASS_INSTRUMENTS, BASS_LINES, instrument
from generation.music.styles import PROFILES, StyleProfile
from models.core.errors import RequestError
from models.inference import METERS

# Valence (unpleasant → pleasant) and arousal (calm → excited) of each mood, in -1..1,
# placed after Russell's circumplex model of affect.
MOOD_VA: dict[str, tuple[float, float]] = {
    "calm": (0.4, -0.7), "happy": (0.8, 0.5), "sad": (-0.7, -0.5), "energetic": (0.5, 0.9),
    "epic": (0.3, 0.8), "tense": (-0.5, 0.7), "romantic": (0.6, -0.2),
    "mysterious": (-0.2, -0.1), "playful": (0.7, 0.4), "dreamy": (0.3, -0.5), "dark": (-0.7, 0.2),
}
TONICS = {"C": 0, "C#": 1, "Db": 1, "D": 2, "D#": 3, "Eb": 3, "E": 4, "Fb": 4, "E#": 5, "F": 5,
          "F#": 6, "Gb": 6, "G": 7, "G#": 8, "Ab": 8, "A": 9, "A#": 10, "Bb": 10, "B": 11,
          "Cb": 11, "B#": 0}
MODE_ALIASES = {"ionian": "major", "aeolian": "minor"}
def loudness(valence: float, arousal: float) -> float:
    """Velocity above 72 that an emotion asks for: louder when excited, and when happy."""
    return 18 * arousal + 8 * valence


def busyness(valence: float, arousal: float) -> float:
    """Note density above 0.55 that an emotion asks for: busier when excited or happy."""
    return 0.4 * arousal + 0.1 * valence


def legato_for(arousal: float) -> float:
    """The share of a note's written length it sounds: shorter as excitement rises."""
    return round(0.97 - 0.22 * max(arousal, 0.0), 3)
MIN_BARS = 2


@dataclass(frozen=True)
class Part:
    role: str  # lead, comp, bass, pad, drums
    instrument: str
    program: int
    is_drum: bool
    low: int  # register of this part, MIDI pitches
    high: int
    velocity: int


@dataclass(frozen=True)
class Spec:
    text: str
    seed: int
    key: str  # "D minor"
    tonic: int  # pitch class of the tonic
    mode: str
    tempo_bpm: int
    meter: tuple[int, int]
    bars: int
    duration_s: float
    style: str
    mood: str
    valence: float
    arousal: float
    density: float  # 0 sparse .. 1 busy
    velocity: int  # base MIDI velocity of the lead
    legato: float  # fraction of its written length a note sounds
    swing: float
    scale_strictness: float
    parts: tuple[Part, ...]
    melody_seed: int  # 🎲 vary changes only this: same plan, new melody
    extensions: tuple[int, ...] = ()  # ⏩ extend appends sections of these many bars
    model_tempo: int | None = None  # tempo the melody was conditioned on (kept by 🐢/🐇)
    variant: int = 0  # which of the seeded drafts was kept (see Composer.compose_midi)
    octave: int = 0  # octaves added to the transposition: a key edit moves up or down, not
    # to the nearest tonic (see generation.music.melody.transposition)
    # bars written anew by structure edits, in order: (first bar, bars), e.g. ((6, 2),) for
    # "a new ending" of 8 bars; everything else of the melody stays as first written
    rewrites: tuple[tuple[int, int], ...] = ()
    intro: int = 0  # bars of accompaniment an edit added before the melody ("add an intro")
    outro: int = 0  # and after it ("a longer outro")
    # the chords the user named, per bar (generation/chords.py names), looped over the bars,
    # and the tonic they were named against: a key edit moves the tonic, the chords move along
    chords: tuple[tuple[str, ...], ...] = ()
    chords_tonic: int = 0
    # edits of the lead line with the phrase VAE, applied in order after it is written:
    # ("vary", amount, seed) or ("blend", mix, the other piece's Spec as JSON text)
    phrase_edits: tuple[tuple[str, float, int | str], ...] = ()
    # the instruments named are the whole ensemble ("a string quartet"): a style edit adds no
    # rhythm section to it
    whole_band: bool = False
    # the accompaniment's busyness: -1 the comping on its pulse groups' starts only and the
    # drums on the beats, +1 the comping filled in to eighths and the hi-hat to every eighth;
    # sparser / busier move it where the melody's density band cannot move
    texture: int = 0
    stated: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def beats_per_bar(self) -> float:
        """Quarter-note beats in one bar."""
        return self.meter[0] * 4 / self.meter[1]

    @property
    def bar_s(self) -> float:
        return self.beats_per_bar * 60.0 / self.tempo_bpm

    @property
    def total_bars(self) -> int:
        return self.bars + sum(self.extensions) + self.intro + self.outro

    @property
    def profile(self) -> StyleProfile:
        return PROFILES[self.style]

    def part(self, role: str) -> Part | None:
        return next((p for p in self.parts if p.role == role), None)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["meter"] = f"{self.meter[0]}/{self.meter[1]}"
        data["parts"] = [asdict(p) for p in self.parts]
        data["instruments"] = [p.instrument for p in self.parts]
        data["stated"], data["notes"] = list(self.stated), list(self.notes)
        data["extensions"] = list(self.extensions)
        data["rewrites"] = [list(bars) for bars in self.rewrites]
        data["chords"] = [list(bar) for bar in self.chords]
        data["total_duration_s"] = round(self.total_duration_s, 3)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Spec:
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        numerator, denominator = str(values["meter"]).split("/")
        values["meter"] = (int(numerator), int(denominator))
        values["parts"] = tuple(Part(**p) for p in values["parts"])
        for name in ("stated", "notes", "extensions"):
            values[name] = tuple(values.get(name, ()))
        values["rewrites"] = tuple(tuple(bars) for bars in values.get("rewrites", ()))
        values["chords"] = tuple(tuple(bar) for bar in values.get("chords", ()))
        values["phrase_edits"] = tuple(tuple(e) for e in values.get("phrase_edits", ()))
        return cls(**values)

    @property
    def total_duration_s(self) -> float:
        """Seconds the piece lasts: `duration_s` (the planned bars, the last one held to the
        requested duration) plus the bars ⏩ extend and an added intro or outro put in."""
        added = sum(self.extensions) + self.intro + self.outro
        if not added:
            return self.duration_s
        return self.duration_s + added * self.bar_s


def parse_key(key: str) -> tuple[int, str]:
    """'Eb major' → (3, 'major'); 'G dorian' → (7, 'dorian')."""
    try:
        tonic, mode = key.split()
        return TONICS[tonic], MODE_ALIASES.get(mode, mode)
    except (ValueError, KeyError):
        raise RequestError(f"the key {key!r} is not one I can play in") from None


def parse_meter(meter: str) -> tuple[int, int]:
    try:
        numerator, denominator = (int(x) for x in meter.split("/"))
    except ValueError:
        raise RequestError(f"the meter {meter!r} is not a time signature like 3/4") from None
    return numerator, denominator


def emotion(moods: tuple[str, ...]) -> tuple[float, float]:
    """Valence and arousal of a blend of moods, the first counted twice."""
    weighted = [(MOOD_VA[m], 2.0 if i == 0 else 1.0) for i, m in enumerate(moods) if m in MOOD_VA]
    if not weighted:
        return 0.2, 0.0
    total = sum(w for _, w in weighted)
    return (sum(va[0] * w for va, w in weighted) / total,
            sum(va[1] * w for va, w in weighted) / total)


def bars_for_length(duration_s: float, bar_s: float) -> int:
    """Bars whose downbeats fit the duration: the last one is held until the duration ends."""
    return max(MIN_BARS, round(duration_s / bar_s))


def choose_parts(profile: StyleProfile, wanted: tuple[str, ...], stated: bool,
                 arousal: float, without: tuple[str, ...] = (),
                 valence: float = 0.0, whole_band: bool = False,
                 ) -> tuple[tuple[Part, ...], list[str]]:
    """The ensemble: the style's roles, with the instruments the user asked for put in them.

    Styles with a rhythm section keep their bass and drums around what the user named; the
    others become the named ensemble (one chordal instrument alone plays a solo piece). A
    `whole_band` (a string quartet, a violin solo) gets no part it did not name; whatever
    the style adds to an open band is said in a note.
    """
    notes: list[str] = []
    roles: dict[str, str | None] = {"lead": profile.lead, "comp": profile.comp,
                                    "bass": profile.bass, "pad": profile.pad,
                                    "drums": profile.kit if profile.drums else None}
    if stated and wanted:
        pitched = [w for w in wanted if not instrument(w).is_drum]
        kit = next((w for w in wanted if instrument(w).is_drum), None)
        # a bass guitar named first ("slap bass, overdriven guitars ...") plays the bass line
        lead = next((w for w in pitched if w not in BASS_LINES), pitched[0] if pitched
                    else profile.lead)
        basses = sorted((w for w in pitched if w != lead and w in BASS_INSTRUMENTS),
                        key=lambda w: w not in (*BASS_LINES, "bass", "contrabass"))
        # the truest bass plays the bass line; a second (the trombone of a big band) a line
        rest = [w for w in pitched if w != lead and w not in basses[:1]]
        comp = next((w for w in rest if instrument(w).chordal), None)
        if comp is None and instrument(lead).chordal:
            comp = lead  # a chordal lead accompanies itself (a solo piano piece)
        extra = [w for w in rest if w != comp and w != "timpani"]
        held = [w for w in extra if instrument(w).chordal]  # harmony under everything
        lines = [w for w in extra if w not in held]  # melodic: a second voice
        band = profile.drums and not whole_band  # a rhythm section: bass and drums stay
        roles = {
            "lead": lead,
            "comp": comp or (None if whole_band else profile.comp),
            "bass": basses[0] if basses else (profile.bass if band or (
                comp != lead and not whole_band) else None),
            "pad": held[0] if held else (None if pitched else profile.pad),
            "drums": kit or (profile.kit if band else None),
        }
        for name in held[1:] + lines:
            roles[f"counter:{name}"] = name
        if "timpani" in pitched:
            roles["timpani"] = "timpani"
        added = [n for n in dict.fromkeys(roles.values()) if n and n not in wanted]
        if added:
            notes.append(f"{profile.name} added {', '.join(added)} to the "
                         f"{' and '.join(dict.fromkeys(wanted))} you named")
    for role, name in list(roles.items()):
        if name in without:
            roles[role] = None
            notes.append(f"left out the {name} as asked")
    parts = []
    velocity = int(round(72 + loudness(valence, arousal)))
    for role, name in roles.items():
        if name is None:
            continue
        inst = instrument(name)
        role = role.split(":")[0]
        low, high = register(role, inst.low, inst.high, profile, valence)
        level = {"lead": velocity, "comp": velocity - 14, "bass": velocity - 6,
                 "pad": velocity - 24, "drums": velocity - 8, "counter": velocity - 10,
                 "timpani": velocity}[role]
        parts.append(Part(role, name, inst.program, inst.is_drum, low, high,
                          max(30, min(120, level))))
    return tuple(parts), notes


COMFORT = 72  # MIDI pitch the melody model centres on when free (C5), in the key of C
LEAD_SPAN = 18  # semitones of the melody's band: narrow enough that the band sets the register
LIFT = 7  # semitones the melody's band moves per unit of valence (happy higher, sad lower)


def tonic_shift(tonic: int) -> int:
    """Semitones from C to the pitch class `tonic`, staying within a tritone."""
    return tonic if tonic <= 6 else tonic - 12


def octave_for(lead: Part, tonic: int) -> int:
    """The octave the melody is transposed by (-1, 0 or 1), so that the model, which writes
    in C around `COMFORT`, writes in the middle of the lead's band: without it the key's
    transposition (up to a tritone either way) decides the register, not the mood."""
    middle = (lead.low + lead.high) / 2
    return min((0, -1, 1), key=lambda o: abs(middle - tonic_shift(tonic) - 12 * o - COMFORT))


def register(role: str, low: int, high: int, profile: StyleProfile,
             valence: float = 0.0) -> tuple[int, int]:
    """Each role's band, narrowed to what the instrument can play.

    The melody's band is centred on the style's register, moved up with valence: listeners
    hear happy music higher and sad music lower (Gabrielsson & Lindström 2010), and the band
    is narrow enough that the key's transposition cannot undo it.
    """
    band = {"lead": profile.lead_range, "comp": (48, 72), "bass": (28, 52), "pad": (48, 76),
            "counter": (55, 79), "drums": (35, 81), "timpani": (40, 55)}[role]
    if role == "lead":
        middle = (band[0] + band[1]) // 2 + round(LIFT * valence)
        band = (middle - LEAD_SPAN // 2, middle + LEAD_SPAN // 2)
    lo, hi = max(low, band[0]), min(high, band[1])
    if hi - lo < 12:  # the instrument lives elsewhere: use its own best octave and a half
        middle = (low + high) // 2
        lo, hi = max(low, middle - 9), min(high, middle + 9)
    return lo, hi


def named_bars(chords: tuple[tuple[str, ...], ...], bars: int, stated: bool, tonic: int,
               mode: str, notes: list[str]) -> int:
    """How many bars a piece on the user's progression has, near `bars`.

    A stated bar count is kept: the progression is looped and cut there. Otherwise the piece
    is whole turns of the progression, and one bar more when that bar (the progression's
    first) brings it home to the tonic chord. Where it cannot end at home, a note says so.
    """
    count = len(chords)
    home = [resolve(bar[0], tonic, mode).root == 0 for bar in chords]
    if not stated:
        bars = max(1, round((bars - 1) / count)) * count
        if home[0] and not home[-1]:
            bars += 1
    bars = max(MIN_BARS, bars)
    turns, rest = divmod(bars, count)
    played = {1: "once", 2: "twice"}.get(turns, f"{turns} times")
    said = f"your chords {' | '.join(' '.join(bar) for bar in chords)}, played {played}"
    if rest:
        said += f", then its first {'bar' if rest == 1 else f'{rest} bars'}"
    notes.append(said + f" ({bars} bars)")
    if not home[(bars - 1) % count]:
        last = chords[(bars - 1) % count][-1]
        notes.append(f"the piece ends on {last}, where your progression is after {bars} bars, "
                     f"not on the tonic chord")
    return bars


def melody_seed_of(draw: int, style: str, meter: tuple[int, int]) -> int:
    """The melody's seed: the seed's own draw mixed with the style and meter. The sampler
    draws its tokens by inverse CDF from one uniform stream, so with the draw alone every
    request of one seed followed the same stream: a folk song, a pop tune and a cinematic
    theme of seed 1 opened on the same dotted rhythm. Requests that differ only in mood
    keep one stream, so "happy" and "sad" of a seed are the same tune in two moods."""
    what = f"{style}|{meter[0]}/{meter[1]}".encode()
    return (draw + zlib.crc32(what)) % 2**31


def make_spec(request: Request, seed: int) -> Spec:
    """Resolve a parsed Request into a Spec: every musical choice made, seeded by `seed`."""
    tonic, mode = parse_key(request.key)
    meter = parse_meter(request.meter)
    extra_notes: list[str] = []
    if request.meter not in METERS:
        extra_notes.append(f"I can't write in {request.meter} yet; using 4/4")
        meter = (4, 4)
    profile = PROFILES[request.style]
    valence, arousal = emotion(tuple(getattr(request, "moods", ()) or (request.mood,)))
    stated_instruments = "instruments" in request.stated
    parts, notes = choose_parts(profile, tuple(request.instruments), stated_instruments, arousal,
                                tuple(getattr(request, "without", ())), valence,
                                getattr(request, "whole_band", False))
    rng = random.Random(seed)
    beats = meter[0] * 4 / meter[1]
    bar_s = beats * 60.0 / request.tempo_bpm
    bars = request.bars or bars_for_length(request.duration_s, bar_s)
    duration = request.duration_s if not request.bars else bars * bar_s
    if request.chords:
        bars = named_bars(request.chords, bars, bool(request.bars), tonic, mode, notes)
        duration = bars * bar_s
    if bars * bar_s - bar_s >= duration:  # very short requests: the bars need a little more
        duration = (bars - 1) * bar_s + 2 * bar_s / meter[0]  # two beats of held ending
        notes.append(f"the piece needs {duration:.1f} s to fit {bars} bars")
    # calm pieces move slowly but still sing: even the calmest keeps about a note a beat
    density = min(0.95, max(0.3, 0.55 + busyness(valence, arousal)
                            + rng.uniform(-0.05, 0.05)))
    strictness = profile.scale_strictness
    if valence < -0.3 and arousal > 0.3:  # tense: let chromatic colour in
        strictness = min(strictness, 0.7)
    return Spec(
        chords=tuple(request.chords), chords_tonic=tonic,
        text=request.text, seed=seed, key=request.key, tonic=tonic, mode=mode,
        tempo_bpm=int(request.tempo_bpm), meter=meter, bars=bars, duration_s=round(duration, 3),
        style=request.style, mood=request.mood, valence=round(valence, 3),
        arousal=round(arousal, 3), density=round(density, 3),
        velocity=next(p.velocity for p in parts if p.role == "lead"),
        legato=legato_for(arousal), swing=profile.swing,
        scale_strictness=strictness, parts=parts,
        melody_seed=melody_seed_of(rng.randrange(2**31), request.style, meter),
        octave=octave_for(next(p for p in parts if p.role == "lead"), tonic),
        stated=tuple(request.stated), notes=tuple(request.notes) + tuple(extra_notes + notes),
        whole_band=bool(getattr(request, "whole_band", False)),
    )
