"""Chord names, one grammar for the request reader and the planner.

A progression is written as chord symbols (`Am7`, `F#m7b5`, `Bbmaj7`, `G/B`, `Csus4`,
`Eadd9`), as Roman numerals in the key (`I–vi–IV–V`, `ii7–V7–Imaj7`, `bVII`), or named
("the 12-bar blues"). Every name is read into a `models.core.harmony.Chord` relative to a tonic:
a symbol's root is absolute (so it is read against the tonic the user had in mind), a
numeral's root is a degree of the mode's own scale.

Canonical names (what `parse --json` prints and the spec keeps) use `#`/`b` and the
suffixes of `SUFFIX`: `C`, `Cm`, `C7`, `Cmaj7`, `Cm7`, `Cm7b5`, `Cdim7`, `C6`, `Cm6`,
`Csus2`, `Csus4`, `C7sus4`, `Cadd9`, `Cm(add9)`, `C9`, `Cmaj9`, `Cm9`, `Cm(maj7)`, `C5`,
`Cdim`, `C+`, and `/E` for a bass other than the root.
"""

from __future__ import annotations

import re

from generation.vocab import MINOR_MODES
from models.inference import MODES, QUALITIES, Chord

LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
ACCIDENTALS = {"": 0, "#": 1, "♯": 1, "b": -1, "♭": -1}
# the suffix each quality is written with in a canonical name
SUFFIX = {"maj": "", "min": "m", "dim": "dim", "aug": "+", "dom7": "7", "maj7": "maj7",
          "min7": "m7", "hdim7": "m7b5", "sus4": "sus4", "maj6": "6", "min6": "m6",
          "dim7": "dim7", "sus2": "sus2", "7sus4": "7sus4", "add9": "add9",
          "madd9": "m(add9)", "dom9": "9", "maj9": "maj9", "min9": "m9",
          "minmaj7": "m(maj7)", "power": "5"}
# how people write each quality after the root (case matters: M7 is major, m7 minor)
WRITTEN: dict[str, str] = {
    "": "maj", "maj": "maj", "M": "maj", "m": "min", "min": "min", "mi": "min",
    "dim": "dim", "°": "dim", "o": "dim", "aug": "aug", "+": "aug", "#5": "aug", "5": "power",
    "6": "maj6", "maj6": "maj6", "M6": "maj6", "add6": "maj6", "6/9": "maj6", "69": "maj6",
    "m6": "min6", "min6": "min6", "7": "dom7", "dom7": "dom7", "maj7": "maj7", "M7": "maj7",
    "Maj7": "maj7", "ma7": "maj7", "Δ": "maj7", "Δ7": "maj7", "m7": "min7", "min7": "min7",
    "mi7": "min7", "m7b5": "hdim7", "m7(b5)": "hdim7", "min7b5": "hdim7", "ø": "hdim7",
    "ø7": "hdim7", "m7-5": "hdim7", "dim7": "dim7", "°7": "dim7", "o7": "dim7",
    "sus2": "sus2", "sus4": "sus4", "sus": "sus4", "7sus4": "7sus4", "7sus": "7sus4",
    "add9": "add9", "add2": "add9", "(add9)": "add9", "madd9": "madd9", "m(add9)": "madd9",
    "madd2": "madd9", "9": "dom9", "maj9": "maj9", "M9": "maj9", "Δ9": "maj9", "m9": "min9",
    "min9": "min9", "mmaj7": "minmaj7", "m(maj7)": "minmaj7", "mM7": "minmaj7",
    "minmaj7": "minmaj7", "m(M7)": "minmaj7",
}
# extensions and alterations played as the nearest quality above (said in a note)
APPROXIMATE: dict[str, str] = {
    "11": "7sus4", "9sus4": "7sus4", "13": "dom9", "7b9": "dom7", "7#9": "dom7",
    "7b5": "dom7", "7#5": "dom7", "7#11": "dom7", "7(b9)": "dom7", "7(#9)": "dom7",
    "maj13": "maj9", "maj7#11": "maj7", "m11": "min9", "m13": "min9", "aug7": "dom7",
    "+7": "dom7", "dim9": "dim7", "m(maj9)": "minmaj7",
}
_SUFFIXES = "|".join(re.escape(s) for s in sorted(set(WRITTEN) | set(APPROXIMATE), key=len,
                                                 reverse=True) if s)
SYMBOL = re.compile(rf"(?P<root>[A-G])(?P<acc>#|♯|b|♭)?(?P<suffix>{_SUFFIXES})?"
                    rf"(?:/(?P<bass>[A-G])(?P<bacc>#|♯|b|♭)?)?")
NUMERAL = re.compile(r"(?P<acc>b|#|♭|♯)?(?P<degree>VII|vii|III|iii|IV|iv|VI|vi|II|ii|V|v|I|i)"
                     r"(?P<alt>°|o|ø|\+|dim|aug)?(?P<ext>maj7|M7|Δ7|Δ|7|9|6|sus4|sus2|add9)?")
DEGREES = {"i": 0, "ii": 1, "iii": 2, "iv": 3, "v": 4, "vi": 5, "vii": 6}
# the 12-bar blues, as numerals: four bars of I, two of IV, two of I, V IV I V (turnaround)
BLUES = {"major": ("I7", "I7", "I7", "I7", "IV7", "IV7", "I7", "I7", "V7", "IV7", "I7", "V7"),
         "minor": ("i7", "i7", "i7", "i7", "iv7", "iv7", "i7", "i7", "V7", "iv7", "i7", "V7")}
# the spelling of each pitch class, by mode family (the fewest accidentals in common use)
MAJOR_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MINOR_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")


def spell(pitch_class: int, mode: str) -> str:
    """The name of a pitch class as a key or chord root in `mode`: 'Bb' in F major, 'C#' in
    A minor."""
    names = MINOR_NAMES if mode in MINOR_MODES else MAJOR_NAMES
    return names[pitch_class % 12]


def pitch_class(letter: str, accidental: str | None) -> int:
    return (LETTERS[letter] + ACCIDENTALS[accidental or ""]) % 12


def read_symbol(text: str) -> tuple[int, str, int | None, str | None] | None:
    """'F#m7b5' → (6, 'hdim7', None, None); 'G/B' → (7, 'maj', 11, None); 'C7#9' →
    (0, 'dom7', None, '7#9'): root and bass as absolute pitch classes, the quality, and the
    suffix that was approximated (None when played exactly). None when it is not a symbol."""
    match = SYMBOL.fullmatch(text)
    if match is None:
        return None
    suffix = match.group("suffix") or ""
    quality = WRITTEN.get(suffix) or APPROXIMATE[suffix]
    root = pitch_class(match.group("root"), match.group("acc"))
    bass = pitch_class(match.group("bass"), match.group("bacc")) if match.group("bass") else None
    return root, quality, None if bass == root else bass, None if suffix in WRITTEN else suffix


def read_numeral(text: str, mode: str) -> Chord | None:
    """'V7' → Chord(7, 'dom7') in major or minor; 'iiø7' → Chord(2, 'hdim7'); numerals count
    steps of the mode's own scale (natural minor in minor), 'b'/'#' shift the root."""
    match = NUMERAL.fullmatch(text)
    if match is None:
        return None
    degree, alt, ext = match.group("degree"), match.group("alt"), match.group("ext")
    root = MODES[mode][DEGREES[degree.lower()]] + ACCIDENTALS[match.group("acc") or ""]
    upper = degree.isupper()
    if alt in ("°", "o", "dim"):
        quality = "dim7" if ext == "7" else "dim"
    elif alt == "ø":
        quality = "hdim7"
    elif alt in ("+", "aug"):
        quality = "aug"
    elif ext in ("maj7", "M7", "Δ7", "Δ"):
        quality = "maj7" if upper else "minmaj7"
    elif ext == "7":
        quality = "dom7" if upper else "min7"
    elif ext == "9":
        quality = "dom9" if upper else "min9"
    elif ext == "6":
        quality = "maj6" if upper else "min6"
    elif ext in ("sus4", "sus2"):
        quality = ext
    elif ext == "add9":
        quality = "add9" if upper else "madd9"
    else:
        quality = "maj" if upper else "min"
    return Chord(root % 12, quality)


def canonical(name: str) -> str:
    """The canonical spelling of a chord symbol or numeral ('Amin7' → 'Am7', 'G/G' → 'G');
    an approximated symbol keeps its own suffix ('C7#9'); a numeral stays as written."""
    read = read_symbol(name)
    if read is None:
        return name
    match = SYMBOL.fullmatch(name)

    def note(letter: str, accidental: str) -> str:  # '#' and 'b' for '♯' and '♭'
        accidental = accidental or ""
        return match.group(letter) + {"♯": "#", "♭": "b"}.get(accidental, accidental)

    root = note("root", match.group("acc"))
    suffix = read[3] if read[3] is not None else SUFFIX[read[1]]
    if read[2] is None:
        return root + suffix
    return f"{root}{suffix}/{note('bass', match.group('bacc'))}"


def is_numeral(name: str) -> bool:
    return NUMERAL.fullmatch(name) is not None and read_symbol(name) is None


def resolve(name: str, tonic: int, mode: str) -> Chord:
    """A chord name → the Chord relative to `tonic` (a symbol) or to the mode (a numeral)."""
    read = read_symbol(name)
    if read is not None:
        root, quality, bass, _ = read
        return Chord((root - tonic) % 12, quality,
                     None if bass is None else (bass - tonic) % 12)
    chord = read_numeral(name, mode)
    if chord is None:
        raise ValueError(f"not a chord name: {name!r}")
    return chord


def approximated(name: str) -> str | None:
    """'played C7 for C7#9' when the symbol's extension is played as a simpler chord."""
    read = read_symbol(name)
    if read is None or read[3] is None:
        return None
    match = SYMBOL.fullmatch(name)
    plain = name[:match.start("suffix")] + SUFFIX[read[1]] + name[match.end("suffix"):]
    return f"played {canonical(plain)} for {name}"


def onsets_in_bar(count: int, beats: float) -> list[float]:
    """Where `count` chords written in one bar of `beats` beats begin: the bar divided
    evenly, on half beats (two in 4/4 at 0 and 2; three at 0, 1.5 and 2.5)."""
    return [round(i * beats / count * 2) / 2 for i in range(count)]


def name_of(chord: Chord, tonic: int, mode: str) -> str:
    """A Chord relative to `tonic` as a lead sheet writes it in `mode`: 'Bbmaj7', 'D/F#'."""
    text = spell(tonic + chord.root, mode) + SUFFIX[chord.quality]
    if chord.bass is not None and chord.bass != chord.root:
        text += "/" + spell(tonic + chord.bass, mode)
    return text


def outside(names: list[str], tonic: int, mode: str) -> list[str]:
    """The symbols among `names` with a tone outside the key (a major V counts in minor)."""
    scale, found = set(MODES[mode]), []
    for name in names:
        read = read_symbol(name)
        if read is None:
            continue
        relative = (read[0] - tonic) % 12
        tones = {(relative + step) % 12 for step in QUALITIES[read[1]]}
        if read[2] is not None:
            tones.add((read[2] - tonic) % 12)
        dominant = mode in MINOR_MODES and relative == 7 and read[1] in ("maj", "dom7")
        if not tones <= scale and not dominant and name not in found:
            found.append(name)
    return found


def key_of(names: list[str], modes: tuple[str, ...] = ("major", "minor")) -> tuple[int, str]:
    """The key a progression of symbols implies: (tonic pitch class, 'major' or 'minor').

    Each of the 24 keys scores a point per chord whose tones lie in its scale (the major V
    and V7 count in minor, as harmonic minor has them), more when the first (1.25) or the
    last chord (1.5, where a statement ends) is its tonic chord, and one for each cadence,
    its V going to its I: 'Am F C G' is A minor, 'Bb C Gm' G minor, 'Dm9 G13 Cmaj7 A7' and
    'Dm7 G7 Cmaj7' C major.
    """
    chords = [read_symbol(n) for n in names]
    chords = [c for c in chords if c is not None]
    best, best_score = (0, "major"), -1.0
    for mode in modes:
        scale = set(MODES[mode])
        for tonic in range(12):
            score = 0.0
            for index, (root, quality, _, _) in enumerate(chords):
                relative = (root - tonic) % 12
                tones = {(relative + step) % 12 for step in QUALITIES[quality]}
                dominant = mode in MINOR_MODES and relative == 7 and quality in ("maj", "dom7")
                score += tones <= scale or dominant
                home = relative == 0 and (3 in QUALITIES[quality]) == (3 in MODES[mode])
                if home and index == len(chords) - 1:
                    score += 1.5
                elif home and index == 0:
                    score += 1.25
                if index + 1 < len(chords) and relative == 7 and 4 in QUALITIES[quality] \
                        and (chords[index + 1][0] - tonic) % 12 == 0:
                    score += 1.0
            if score > best_score + 1e-9:
                best, best_score = (tonic, mode), score
    return best
