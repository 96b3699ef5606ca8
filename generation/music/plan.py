"""Spec → Plan: the form (sections and phrases) and the harmony (a chord a bar, or more).

A progression the user named is looped over the bars as written (see `named_plan`).
Otherwise phrases are four bars (twelve for the blues). Their labels follow the common song and
binary forms — A, A′ (same start, stronger cadence), B (contrast), A again — and each ends
on a cadence: a half cadence (V) where the music must go on, an authentic one (V–I) where a
section closes, and the last bar always holds the tonic chord.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from generation.chords import name_of, onsets_in_bar, resolve
from generation.music.spec import Spec
from models.inference import MODES, Chord, corpus_progressions

# Progressions for the modes other than major and minor, relative to the mode's own scale.
MODAL: dict[str, tuple[tuple[str, ...], ...]] = {
    # dorian leans on i and III (the minor third) around its bright IV (the raised sixth)
    "dorian": (("i", "III", "IV", "i"), ("i", "v", "IV", "i"), ("i", "VII", "i", "IV")),
    "mixolydian": (("I", "VII", "IV", "I"), ("I", "IV", "VII", "I"), ("I", "v", "IV", "I")),
    "lydian": (("I", "II", "I", "II"), ("I", "II", "vii", "I"), ("I", "II", "V", "I")),
    "phrygian": (("i", "II", "i", "II"), ("i", "II", "vii", "i"), ("i", "iv", "II", "i")),
    "locrian": (("io", "II", "io", "vi"), ("io", "vi", "II", "io")),
}
LABEL_CYCLE = ("A", "A'", "B", "A", "B'", "C", "A'", "A")
# A long piece (background music for a class or a study session lasts 10–20 minutes) goes on
# in rounds of as many phrases after the first: each brings an episode of its own (D, E, ...)
# between returns of A and B developed a step further (A2, B2: the first A's melody moved
# further in the phrase VAE's latent space at each round, over the first A's chords). So the
# piece keeps its themes in view while it moves, instead of the first 32 bars over and over.
ROUND = ("N", "N'", "A*", "B*", "N", "B*'", "A*'", "A*")  # N: the round's episode, *: round
EPISODES = "DEFGHJKLMNPQRSTUVWXYZ"  # no I or O: read as numerals
# The cycle is played through twice before the rounds begin, as a tune is (a jig's AABB,
# twice): a one- or two-minute piece keeps the form of a tune. Starting the rounds after one
# cycle made one-minute celtic pieces easier to tell from O'Neill's tunes (two-sample test,
# 24 pieces, split by piece: 66 % with the cycle repeated, 73 % with episodes).
REPEATS = 2
INTENSITY = {"intro": 0.5, "A": 0.65, "A'": 0.7, "B": 0.85, "B'": 0.9, "C": 0.8,
             "outro": 0.55, "end": 0.5}
# the episodes take turns, a quiet one then a full one: a long piece breathes in waves
EPISODE_INTENSITY = (0.6, 0.85)
NUMERALS = {"i": 0, "ii": 1, "iii": 2, "iv": 3, "v": 4, "vi": 5, "vii": 6}
_ROMAN = re.compile(r"^(b|#)?(i{1,3}|iv|vi{0,2}|v)(o|\+)?(maj7|7)?$", re.IGNORECASE)



@dataclass(frozen=True)
class Section:
    label: str  # intro, A, A', B, B', C, outro, end
    start: int  # first bar (0-based)
    bars: int


@dataclass(frozen=True)
class Plan:
    sections: tuple[Section, ...]
    chords: tuple[Chord, ...]  # one a bar, relative to the tonic (the bar's first)
    # per bar, every chord of the bar with its onset in beats, where a bar has more than
    # one ("| Am F | C G |"); empty when every bar has one chord
    changes: tuple[tuple[tuple[float, Chord], ...], ...] = ()

    @property
    def bars(self) -> int:
        return len(self.chords)

    def chords_in(self, bar: int, beats: float) -> list[tuple[float, float, Chord]]:
        """(start, stop, chord) in beats within bar `bar`, `beats` long."""
        if not self.changes or len(self.changes[bar]) <= 1:
            return [(0.0, beats, self.chords[bar])]
        onsets = self.changes[bar]
        stops = [start for start, _ in onsets[1:]] + [beats]
        return [(start, stop, chord) for (start, chord), stop in zip(onsets, stops, strict=True)]

    def chord_at(self, bar: int, beat: float, beats: float) -> Chord:
        """The chord sounding `beat` beats into bar `bar`."""
        return next((c for start, stop, c in self.chords_in(bar, beats) if beat < stop - 1e-6),
                    self.chords[bar])

    def form(self) -> str:
        """"intro 2 · A 4 · A' 4 · B 4 · A 4 · outro 2": the sections and their bars."""
        return " · ".join(f"{s.label} {s.bars}" for s in self.sections)

    def chord_names(self, tonic: int, mode: str) -> tuple[str, ...]:
        """The chords of each bar as a lead sheet writes them: ('Dm', 'Gm', 'A7 Bb', 'Dm')."""
        bars = self.changes or tuple(((0.0, chord),) for chord in self.chords)
        return tuple(" ".join(name_of(chord, tonic, mode) for _, chord in bar) for bar in bars)

    def section_of_bar(self) -> list[str]:
        labels: list[str] = []
        for section in self.sections:
            labels += [section.label] * section.bars
        return labels

    def intensity(self) -> list[float]:
        return [_intensity(label) for label in self.section_of_bar()]


def _intensity(label: str) -> float:
    family = family_of(label)
    if family in EPISODES:
        return EPISODE_INTENSITY[EPISODES.index(family) % len(EPISODE_INTENSITY)]
    return INTENSITY.get(family, INTENSITY.get(label, 0.7))


def chord(numeral: str, mode: str) -> Chord:
    """'V7' in 'minor' → Chord(7, 'dom7'); numerals count steps of the key's own scale
    (natural minor for minor keys); 'b' and '#' shift the root a semitone."""
    match = _ROMAN.match(numeral)
    if match is None:
        raise ValueError(f"not a Roman numeral: {numeral!r}")
    accidental, degree, alteration, seventh = match.groups()
    scale = MODES[mode]
    root = scale[NUMERALS[degree.lower()]] + {"b": -1, "#": 1, None: 0}[accidental]
    upper = degree.isupper()
    if alteration == "o":
        quality = "hdim7" if seventh else "dim"
    elif alteration == "+":
        quality = "aug"
    elif seventh == "maj7":
        quality = "maj7"
    elif seventh == "7":
        quality = "dom7" if upper else "min7"
    else:
        quality = "maj" if upper else "min"
    return Chord(root % 12, quality)


def progressions(spec: Spec) -> tuple[tuple[str, ...], ...]:
    if spec.mode in MODAL:
        return MODAL[spec.mode]
    profile = spec.profile
    return profile.minor if spec.mode == "minor" else profile.major


def _phrase_lengths(bars: int, phrase: int) -> list[int]:
    """Split `bars` into phrases of `phrase` bars; a remainder of 1 stretches the last phrase,
    2 or more becomes a short phrase of its own."""
    if bars <= 0:
        return []
    if bars < phrase:
        return [bars]
    count, rest = divmod(bars, phrase)
    lengths = [phrase] * count
    if rest == 1:
        lengths[-1] += 1
    elif rest:
        lengths.append(rest)
    return lengths


def label_at(index: int) -> str:
    """The label of phrase `index` (from 0): the cycle, played `REPEATS` times, then the
    rounds of a long piece."""
    turn, place = divmod(index, len(LABEL_CYCLE))
    if turn < REPEATS:
        return LABEL_CYCLE[place]
    episode = EPISODES[(turn - REPEATS) % len(EPISODES)]
    return ROUND[place].replace("N", episode).replace("*", str(turn - REPEATS + 2))


def family_of(label: str) -> str:
    """The theme a label states: 'A' for A, A′, A2 and A2′; 'D' for D and D′."""
    return label.rstrip("'").rstrip("0123456789")


def round_of(label: str) -> int:
    """0 for the first statement's labels (A, B′), 1 for A2, 2 for B3 ...: how far a
    developed return has moved from its theme."""
    digits = label.rstrip("'")[len(family_of(label)):]
    return int(digits) - 1 if digits else 0


def _opens(label: str) -> bool:
    """Whether a phrase labelled `label` brings new material: the phrase before it closes
    with an authentic cadence."""
    return label in ("B", "C") or label in EPISODES


def _labels(count: int, first: int = 0) -> list[str]:
    return [label_at(first + i) for i in range(count)]


def _tonic(spec: Spec) -> str:
    major_like = 4 in MODES[spec.mode]
    return "I" if major_like else "i"


def _dominant(spec: Spec) -> str:
    # A major V (the leading tone) in major and minor; modes keep their own v or VII.
    if spec.mode in ("major", "minor"):
        return "V7" if spec.profile.sevenths else "V"
    return progressions(spec)[0][1]


def _subdominant(spec: Spec) -> str:
    return "iv" if 3 in MODES[spec.mode] and spec.mode != "dorian" else "IV"


def _options(spec: Spec) -> list[tuple[tuple[Chord, ...], int]]:
    """The progressions a phrase of `spec` may take, with their weights: the corpus's own,
    as often as its tunes have them, where the style takes its harmony from a corpus (the
    melody model learned those tunes under those chords); else the style's, equally."""
    if spec.profile.harmony:
        found = corpus_progressions(spec.profile.harmony, spec.mode)
        if found:
            return found
    return [(tuple(chord(n, spec.mode) for n in p), 1) for p in progressions(spec)]


def _phrase_chords(spec: Spec, label: str, length: int, choice: dict[str, tuple[Chord, ...]],
                   rng: random.Random, cadence: str) -> list[Chord]:
    """Chords for one phrase: its label's progression, cycled, then the cadence where the
    progression does not already make it (a tonic ending closes, any other leaves it open)."""
    family = family_of(label)
    if family not in choice:
        options = _options(spec)
        used = set(choice.values())
        fresh = [o for o in options if o[0] not in used] or options
        if family == "A":  # the opening phrase starts on the tonic, to establish the key
            fresh = [o for o in fresh if o[0][0].root == 0] or fresh
        weights = [n for _, n in fresh]
        choice[family] = (rng.choices([p for p, _ in fresh], weights)[0]
                          if len(set(weights)) > 1 else rng.choice([p for p, _ in fresh]))
    base = choice[family]
    chords = [base[i % len(base)] for i in range(length)]
    if spec.profile.phrase_bars == 12 and length >= 12:
        return chords  # the 12-bar blues carries its own turnaround
    closes = chords[-1].root == 0
    if spec.profile.harmony and length >= 2 and closes == (cadence == "authentic"):
        return chords  # the corpus's phrase already cadences as this one must
    if cadence == "authentic" and length >= 2:
        chords[-2:] = [chord(_dominant(spec), spec.mode), chord(_tonic(spec), spec.mode)]
    elif cadence == "half" and spec.profile.half_cadence == "subdominant":
        chords[-1] = chord(_subdominant(spec), spec.mode)
    else:  # a half cadence, or the last phrase before the closing tonic
        chords[-1] = chord(_dominant(spec), spec.mode)
    return chords


def _core(spec: Spec, bars: int, rng: random.Random, first_label: int,
          choice: dict[str, tuple[Chord, ...]], last: bool
          ) -> tuple[list[Section], list[Chord], int]:
    """Phrases for `bars` bars; when `last`, the final phrase ends on the dominant so the
    closing tonic bar completes the authentic cadence."""
    sections: list[Section] = []
    chords: list[Chord] = []
    lengths = _phrase_lengths(bars, spec.profile.phrase_bars)
    labels = _labels(len(lengths), first_label)
    for index, (label, length) in enumerate(zip(labels, lengths, strict=True)):
        final = index == len(lengths) - 1
        closing = final or _opens(labels[index + 1])
        cadence = "authentic" if closing or label == "A'" else "half"
        if final and last:
            cadence = "final"  # V here, and the closing tonic bar completes V–I
        sections.append(Section(label, 0, length))
        chords += _phrase_chords(spec, label, length, choice, rng, cadence)
    return sections, chords, first_label + len(lengths)


def make_plan(spec: Spec) -> Plan:
    """The form and chords of `spec`, including any ⏩ extensions, deterministic in the seed."""
    if spec.chords:
        return named_plan(spec)
    rng = random.Random(spec.seed * 7919 + 1 + 104_729 * spec.variant)
    choice: dict[str, tuple[Chord, ...]] = {}
    body = spec.bars - 1  # the last bar is the held tonic
    intro = spec.profile.intro_bars if body >= 12 else 0
    outro = 2 if body >= 24 else 0
    sections = [Section("intro", 0, intro)] if intro else []
    numerals = ([_tonic(spec)] * (intro - 1) + [_dominant(spec)]) if intro else []
    chords = [chord(n, spec.mode) for n in numerals]
    segments = [body - intro - outro, *spec.extensions]
    next_label = 0
    for index, bars in enumerate(segments):
        last = index == len(segments) - 1 and not outro
        more, more_chords, next_label = _core(spec, bars, rng, next_label, choice, last)
        sections += more
        chords += more_chords
        next_label = max(next_label, 2)  # an extension opens with new material (B)
    if outro:
        sections.append(Section("outro", 0, outro))
        chords += [chord(_subdominant(spec), spec.mode), chord(_dominant(spec), spec.mode)]
    sections.append(Section("end", 0, 1))
    chords.append(chord(_tonic(spec), spec.mode))
    placed, start = [], 0
    for section in sections:
        placed.append(Section(section.label, start, section.bars))
        start += section.bars
    return Plan(tuple(placed), tuple(chords))


def named_plan(spec: Spec) -> Plan:
    """The user's progression looped over the piece's bars, phrased by its length.

    A progression of 2–16 bars is one phrase (its turns labelled A, A′, B, A... so that a
    turn can repeat a melody over the same chords); a longer or single-bar one is phrased in
    fours. Bars with several chords divide the bar evenly, on beats where they can.
    """
    names = spec.chords
    total = spec.bars + sum(spec.extensions)
    phrase = len(names) if 2 <= len(names) <= 16 else 4
    sections, start = [], 0
    for label, length in zip(_labels(total), _phrase_lengths(total - 1, phrase), strict=False):
        sections.append(Section(label, start, length))
        start += length
    sections.append(Section("end", start, 1))
    beats = spec.beats_per_bar
    changes = []
    for bar in range(total):
        written = names[bar % len(names)]
        onsets = onsets_in_bar(len(written), beats)
        changes.append(tuple((onset, resolve(name, spec.chords_tonic, spec.mode))
                             for onset, name in zip(onsets, written, strict=True)))
    chords = tuple(bar[0][1] for bar in changes)
    several = any(len(bar) > 1 for bar in changes)
    return Plan(tuple(sections), chords, tuple(changes) if several else ())


def framed(spec: Spec, plan: Plan) -> Plan:
    """`plan` with the bars an edit added around the melody: `spec.intro` bars before it
    (tonic, then the dominant leading in) and `spec.outro` bars after it (subdominant and
    tonic, as a plagal close). The melody itself is written on `plan` and moved by the intro."""
    if not spec.intro and not spec.outro:
        return plan
    sections, numerals = [], []
    if spec.intro:
        sections.append(Section("intro", 0, spec.intro))
        numerals += [_tonic(spec)] * (spec.intro - 1) + [_dominant(spec)]
    start = spec.intro
    sections += [Section(s.label, s.start + start, s.bars) for s in plan.sections]
    before = [chord(n, spec.mode) for n in numerals]
    after = []
    if spec.outro:
        sections.append(Section("outro", start + plan.bars, spec.outro))
        closing = [_subdominant(spec)] * (spec.outro // 2) + [_tonic(spec)] * (
            spec.outro - spec.outro // 2)
        after = [chord(n, spec.mode) for n in closing]
    changes = ()
    if plan.changes:
        changes = tuple(((0.0, c),) for c in before) + plan.changes + tuple(
            ((0.0, c),) for c in after)
    return Plan(tuple(sections), tuple(before) + plan.chords + tuple(after), changes)
