"""Style profiles as data: who plays, how they comp, what the bass and drums do, how it swings.

The arranger reads only these values; adding a style means adding a profile here.
Progressions are Roman numerals relative to the tonic (see `generation/music/plan.py`), one chord a
bar, written for a four-bar phrase; a progression is picked per phrase by the seeded generator.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StyleProfile:
    name: str
    lead: str  # instrument playing the melody
    comp: str | None  # chordal accompaniment instrument
    bass: str | None  # bass line instrument (None: the comp's left hand covers it)
    pad: str | None  # sustained harmony under everything
    drums: bool
    comp_pattern: str  # see arrange.COMP_PATTERNS
    bass_pattern: str  # see arrange.BASS_PATTERNS
    groove: str | None  # see drums.GROOVES
    swing: float  # 0 straight .. 1/3 full triplet swing (delay of the off-beat eighth, in beats)
    major: tuple[tuple[str, ...], ...]  # four-bar progressions for major keys
    minor: tuple[tuple[str, ...], ...]  # ... and for minor keys (modes use plan.MODAL)
    scale_strictness: float  # 1: only scale tones in the melody; lower lets chromatic notes in
    lead_range: tuple[int, int]  # melody register, MIDI pitches
    sevenths: bool = False  # voice chords with sevenths
    phrase_bars: int = 4
    intro_bars: int = 2
    half_cadence: str = "dominant"  # an open phrase ends on V, or on IV ("subdominant")
    kit: str = "drums"  # the drum kit (vocab.DRUM_KITS) when the style has drums
    # the corpus collection whose own four-bar progressions the phrases take, weighted as
    # its tunes have them (models/weights/progressions.json); None: `major` / `minor` above
    harmony: str | None = None


def _p(*rows: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(row.split()) for row in rows)


POP_MAJOR = _p("I V vi IV", "vi IV I V", "I vi IV V", "IV I V vi")
POP_MINOR = _p("i VI III VII", "i iv VI V", "VI VII i i", "i VII VI VII")
CLASSICAL_MAJOR = _p("I IV V I", "I ii V I", "I vi ii V", "I IV ii V", "vi ii V I")
CLASSICAL_MINOR = _p("i iv V i", "i VI iv V", "i iio V i", "i iv VII III")
JAZZ_MAJOR = _p("Imaj7 vi7 ii7 V7", "ii7 V7 Imaj7 Imaj7", "iii7 vi7 ii7 V7", "Imaj7 IV7 iii7 VI7")
JAZZ_MINOR = _p("i7 iv7 iio7 V7", "i7 VImaj7 iio7 V7", "iio7 V7 i7 i7", "i7 i7 iv7 V7")
BLUES = _p("I7 IV7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7",  # the 12-bar form, quick change
           "I7 IV7 I7 I7 IV7 IV7 I7 VI7 ii7 V7 I7 V7")  # jazz blues turnaround
BLUES_MINOR = _p("i7 iv7 i7 i7 iv7 iv7 i7 i7 VI7 V7 i7 V7",
                 "i7 iv7 i7 i7 iv7 iv7 i7 i7 iio7 V7 i7 V7")
FOLK_MAJOR = _p("I IV I V", "I V IV I", "I IV V I", "IV I V I")
FOLK_MINOR = _p("i VII i v", "i III VII i", "i iv VII i", "i VII VI VII")
AMBIENT_MAJOR = _p("Imaj7 IVmaj7 Imaj7 IVmaj7", "vi7 IVmaj7 Imaj7 V", "Imaj7 iii7 IVmaj7 IVmaj7")
AMBIENT_MINOR = _p("i7 VImaj7 i7 VImaj7", "i7 iv7 VImaj7 VImaj7", "i7 III VI VI")
ROCK_MAJOR = _p("I bVII IV I", "I IV V IV", "I V IV IV", "vi IV I V")
ROCK_MINOR = _p("i VII VI VII", "i VI VII i", "i iv VII i", "i III VII VI")
LOFI_MAJOR = _p("ii7 V7 Imaj7 vi7", "IVmaj7 iii7 ii7 Imaj7", "Imaj7 vi7 ii7 V7")
LOFI_MINOR = _p("i7 iv7 VImaj7 V7", "iio7 V7 i7 i7", "VImaj7 iv7 i7 V7")
CINEMATIC_MAJOR = _p("I V vi IV", "I iii IV iv", "vi IV I V", "I bVI IV I")
CINEMATIC_MINOR = _p("i VI III VII", "i VI iv V", "i III VI V", "i VII VI V")
BAROQUE_MAJOR = _p("I IV viio iii", "vi ii V I", "I vi ii V", "I IV V I")
BAROQUE_MINOR = _p("i iv VII III", "VI iio V i", "i iv V i", "i VI iio V")

PROFILES: dict[str, StyleProfile] = {p.name: p for p in (
    StyleProfile("classical", "piano", "piano", None, None, False, "alberti", "root",
                 None, 0.0, CLASSICAL_MAJOR, CLASSICAL_MINOR, 0.85, (60, 84)),
    StyleProfile("baroque", "harpsichord", "harpsichord", "cello", None, False, "broken",
                 "walking_eighths", None, 0.0, BAROQUE_MAJOR, BAROQUE_MINOR, 0.9, (62, 86)),
    StyleProfile("jazz", "saxophone", "piano", "acoustic bass", None, True, "jazz_comp", "walking",
                 "swing", 1 / 3, JAZZ_MAJOR, JAZZ_MINOR, 0.6, (55, 79), sevenths=True,
                 kit="brush kit"),
    StyleProfile("blues", "electric guitar", "piano", "bass", None, True, "shuffle_comp",
                 "boogie", "shuffle", 1 / 3, BLUES, BLUES_MINOR, 0.55, (55, 79),
                 sevenths=True, phrase_bars=12, intro_bars=0),
    StyleProfile("pop", "piano", "guitar", "bass", "strings", True, "strum", "root_eighths",
                 "pop", 0.0, POP_MAJOR, POP_MINOR, 0.9, (60, 81),
                 half_cadence="subdominant"),
    StyleProfile("rock", "electric guitar", "electric guitar", "bass", None, True, "power",
                 "root_eighths", "rock", 0.0, ROCK_MAJOR, ROCK_MINOR, 0.85, (55, 79),
                 half_cadence="subdominant", kit="power kit"),
    StyleProfile("lofi", "electric piano", "electric piano", "bass", None, True, "lofi_comp",
                 "root_fifth", "lofi", 0.2, LOFI_MAJOR, LOFI_MINOR, 0.8, (60, 79),
                 sevenths=True,
                 half_cadence="subdominant"),
    StyleProfile("ambient", "synth pad", "synth pad", "synth pad", "strings", False, "pad",
                 "drone", None, 0.0, AMBIENT_MAJOR, AMBIENT_MINOR, 0.95, (60, 84),
                 sevenths=True,
                 half_cadence="subdominant"),
    StyleProfile("folk", "guitar", "guitar", None, None, False, "fingerpick", "root_fifth",
                 None, 0.0, FOLK_MAJOR, FOLK_MINOR, 0.95, (60, 81), harmony="essen"),
    StyleProfile("celtic", "violin", "harp", None, None, True, "broken", "drone", "celtic",
                 0.0, FOLK_MAJOR, FOLK_MINOR, 0.95, (62, 88)),
    StyleProfile("electronic", "synth lead", "synth pad", "bass", None, True, "pad", "octaves",
                 "four_on_floor", 0.0, POP_MAJOR, POP_MINOR, 0.9, (60, 84),
                 half_cadence="subdominant", kit="electronic kit"),
    StyleProfile("cinematic", "strings", "strings", "contrabass", "choir", True, "pad",
                 "root", "cinematic", 0.0, CINEMATIC_MAJOR, CINEMATIC_MINOR, 0.85, (55, 84),
                 kit="orchestral kit"),
    StyleProfile("chiptune", "synth lead", "synth lead", "synth lead", None, True, "arpeggio",
                 "octaves", "chiptune", 0.0, POP_MAJOR, POP_MINOR, 0.9, (64, 88),
                 half_cadence="subdominant"),
)}
