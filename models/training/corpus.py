"""The training corpus: melodies from music21's bundled corpus, in bars, keyed to C.

Each piece becomes a `Piece`: its collection (the style label), its mode, a tempo band, and
its bars, every bar holding its meter, its length and its melody notes on a grid of
`TICKS` per quarter note, already transposed so the tonic is C, plus the chord fitted to
the bar (models/core/harmony.py). The melody is the top voice: the tune of a folk song, the
soprano of a chorale, the cantus of a Palestrina mass.

How the key is found: the key signature gives seven candidate tonics (one per mode); the
final note of the lowest voice picks among them (folk tunes and chorales end on their
tonic). An explicit mode other than major in an abc `K:` field wins.

Pieces are deduplicated on their normalised melody and split 90/5/5 into
train/validation/test by a hash of the piece's name, so a piece never straddles splits.
The prepared pieces are cached as gzip'd JSON lines in `Settings.cache_dir`.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
from multiprocessing import get_context
from pathlib import Path

from models.core.grid import (
    DURATIONS,
    METERS,
    PITCH_RANGE,
    TICKS,
    Bar,
    Piece,
    meter_beat,
    meter_ticks,
    snap_duration,
)
from models.core.harmony import MODE_OFFSETS, fit_bars

log = logging.getLogger(__name__)

COLLECTIONS = {  # music21 corpus folder → collection (style) label
    "essenFolksong": "essen", "oneills1850": "oneill", "airdsAirs": "aird",
    "ryansMammoth": "ryan", "palestrina": "palestrina", "bach": "bach",
}
CACHE_NAME = "corpus-v1.jsonl.gz"
# Words of an abc tune's `R:` (rhythm) field → tempo band, for tunes without a metronome
# mark; `tempo_band` tries slow, then fast, then medium words.
FAST_RHYTHMS = ("reel", "jig", "hornpipe", "polka", "slide", "fling", "country dance")
MEDIUM_RHYTHMS = ("march", "strathspey", "set dance", "waltz", "mazurka")
SLOW_RHYTHMS = ("air", "lament", "slow")
# Modes a final note may imply; a final on the 4th or 7th degree of the signature is far
# more often a tune ending off its tonic than a Lydian or Locrian piece.
FINAL_MODES = ("major", "minor", "dorian", "mixolydian", "phrygian")


def tempo_band(bpm: float | None, rhythm: str) -> str:
    """'slow' (≤ 80 bpm), 'medium' or 'fast' (> 120 bpm); else from the tune type; else medium."""
    if bpm:
        return "slow" if bpm <= 80 else "fast" if bpm > 120 else "medium"
    rhythm = rhythm.lower()
    for words, band in ((SLOW_RHYTHMS, "slow"), (FAST_RHYTHMS, "fast"),
                        (MEDIUM_RHYTHMS, "medium")):
        if any(word in rhythm for word in words):
            return band
    return "medium"


def _abc_rhythms(path: Path) -> dict[int, str]:
    """Tune number → its `R:` (rhythm) header, read from the abc text."""
    rhythms, number = {}, None
    for line in path.read_text(encoding="latin-1").splitlines():
        if match := re.match(r"X:\s*(\d+)", line):
            number = int(match.group(1))
        elif line.startswith("R:") and number is not None:
            rhythms[number] = line[2:].strip()
    return rhythms


def _find_key(sharps: int, final_pc: int, explicit_mode: str | None,
              explicit_tonic: int | None) -> tuple[int, str]:
    """(tonic pitch class, mode) from the key signature and the final bass note.

    An explicit mode wins unless it is 'major' (music21 reads an abc `K:G` without a mode
    as G major, so 'major' says nothing); otherwise the first mode in `FINAL_MODES` whose
    tonic is the final's pitch class; otherwise the signature's major key.
    """
    if explicit_mode in MODE_OFFSETS and explicit_mode != "major" and explicit_tonic is not None:
        return explicit_tonic, explicit_mode
    major_tonic = (7 * sharps) % 12  # each sharp moves the major tonic a fifth up (flats < 0)
    for mode in FINAL_MODES:
        if (major_tonic + MODE_OFFSETS[mode]) % 12 == final_pc:
            return final_pc, mode
    return major_tonic, "major"


def _part_bars(part) -> list[tuple[str, float, list[tuple[float, float, int]]]]:
    """(meter, length in quarters, [(onset, duration, top pitch)]) per measure; ties merged."""
    from music21 import chord as m21chord

    # last: (the list holding the previous note, its index, the note), so that a tie can
    # lengthen it in place, even in the previous bar (the note is then held over the bar line)
    bars, meter, last = [], None, None
    for measure in part.getElementsByClass("Measure"):
        if measure.timeSignature is not None:  # only where it is set or changes
            meter = measure.timeSignature.ratioString
        if meter is None:
            return []  # no meter before the first notes: the piece cannot be put in bars
        length = float(measure.barDuration.quarterLength)
        # a pickup bar is stored short; its padding moves its onsets to where they sound
        # in a full bar
        pad = float(measure.paddingLeft or 0)
        notes = []
        for element in measure.recurse().notes:
            duration = float(element.quarterLength)
            if duration <= 0:
                continue  # grace note
            # the melody is the top line: a chord in the melody part gives its highest note
            pitch = max(p.midi for p in element.pitches) if isinstance(
                element, m21chord.Chord) else element.pitch.midi
            tie = element.tie.type if element.tie is not None else None
            if tie in ("stop", "continue") and last is not None and last[2][2] == pitch:
                bar_notes, index, (onset, held, _) = last
                bar_notes[index] = (onset, held + duration, pitch)
                last = (bar_notes, index, bar_notes[index])
                continue
            onset = float(element.getOffsetInHierarchy(measure)) + pad
            notes.append((onset, duration, pitch))
            last = (notes, len(notes) - 1, notes[-1])
        bars.append((meter, length, notes))
    return bars


def _quantise(bars, shift: int) -> list[tuple[str, int, tuple]] | None:
    """Bars of (onset, duration) in quarters → (meter, length ticks, notes on the tick grid).

    Pitches move by `shift` semitones (to C); durations snap to `DURATIONS` and are cut so
    the melody is monophonic. None drops the whole piece: a meter without a token, a pitch
    outside `PITCH_RANGE`, or an onset past its bar.
    """
    out = []
    for meter, _, notes in bars:
        if meter not in METERS:
            return None
        # the meter's full length, also for a pickup bar (its onsets were padded to match)
        length_ticks = round(meter_ticks(meter))
        ticks = []  # [onset tick in bar, duration ticks, pitch], lists so the cut can edit
        for onset, duration, pitch in sorted(notes):
            start = round(onset * TICKS)  # onsets off the grid move to the nearest tick
            pitch += shift
            if not (PITCH_RANGE[0] <= pitch <= PITCH_RANGE[1]) or start >= length_ticks:
                return None
            if ticks and ticks[-1][0] == start:
                ticks.pop()  # keep one note per onset: the later (a chord's top) wins
            ticks.append([start, snap_duration(max(1, round(duration * TICKS))), pitch])
        for current, following in zip(ticks, ticks[1:], strict=False):
            gap = following[0] - current[0]  # monophony: a note ends where the next begins
            if current[1] > gap:
                current[1] = max(d for d in DURATIONS if d <= gap)
        out.append((meter, length_ticks, tuple(tuple(n) for n in ticks)))
    return out


def _score_to_piece(score, name: str, collection: str, rhythm: str) -> Piece | None:
    """The `Piece` of one music21 score; None when it is unusable (see `_quantise`)."""
    from music21 import key as m21key
    from music21 import tempo as m21tempo

    parts = list(score.parts)
    if not parts:
        return None
    bars = _part_bars(parts[0])  # the first part is the melody (soprano, cantus, the tune)
    if len(bars) < 2 or not any(notes for _, _, notes in bars):
        return None
    signatures = list(parts[0].recurse().getElementsByClass("KeySignature"))
    sharps = signatures[0].sharps if signatures else 0
    explicit = next((s for s in signatures if isinstance(s, m21key.Key)), None)
    # the last part is the lowest voice (the tune itself when there is only one part)
    lowest = parts[-1].recurse().notes
    if not lowest:
        return None
    final = lowest[-1]
    final_pc = min(p.midi for p in final.pitches) % 12  # the final chord's lowest note
    tonic, mode = _find_key(sharps, final_pc, explicit.mode if explicit else None,
                            explicit.tonic.pitchClass if explicit else None)
    # to C by the smaller move (down ≤ 5 semitones, or up ≤ 6), keeping the register
    shift = -tonic if tonic < 6 else 12 - tonic
    marks = list(score.recurse().getElementsByClass(m21tempo.MetronomeMark))
    bpm = marks[0].getQuarterBPM() if marks and marks[0].number else None  # quarters/min
    quantised = _quantise(bars, shift)
    if quantised is None:
        return None
    # the notes the chords are fitted on, per bar, as (onset, duration) in quarters: the
    # melody alone by default (a folk tune has nothing else)
    basses = None
    melody_bars = [[(o / TICKS, d / TICKS, p) for o, d, p in notes] for _, _, notes in quantised]
    if len(parts) > 1:  # fit chords on every voice, with the bass's downbeat note
        voices = [_part_bars(part) for part in parts]
        if all(len(v) == len(bars) for v in voices):  # else keep the melody alone
            melody_bars = [[(o, d, p + shift) for v in voices for o, d, p in v[i][2]]
                           for i in range(len(bars))]
            # the bass pitch class where the bass sounds on the downbeat, else None
            basses = []
            for _, _, notes in voices[-1]:
                basses.append((notes[0][2] + shift) % 12 if notes and notes[0][0] == 0 else None)
    beat = meter_beat(quantised[0][0])  # in quarters; the first bar's meter for every bar
    chords = fit_bars(melody_bars, mode, 0, beat, basses)
    return Piece(name, collection, mode, tonic, tempo_band(bpm, rhythm),
                 tuple(Bar(m, length, notes, chord)
                       for (m, length, notes), chord in zip(quantised, chords, strict=True)))


def load_file(path: str) -> list[dict]:
    """Every usable piece of one corpus file, as JSON-ready dicts (runs in a worker)."""
    import warnings

    from music21 import converter, stream

    # the collection is the parent folder, or one further up for a file in a subfolder
    folder = Path(path).parent.name if Path(path).parent.name in COLLECTIONS else next(
        p for p in Path(path).parts if p in COLLECTIONS)
    collection = COLLECTIONS[folder]
    pieces = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = converter.parse(path)
    except Exception as error:  # a corpus file music21 cannot read is skipped, not fatal
        log.warning("skipping %s: %s", path, error)
        return []
    rhythms = _abc_rhythms(Path(path)) if path.endswith(".abc") else {}
    # an abc file holds many tunes (an Opus of scores); other formats one score
    scores = list(parsed.scores) if isinstance(parsed, stream.Opus) else [parsed]
    for index, score in enumerate(scores):
        # the abc `X:` number, which keys `rhythms`; else the position in the file
        number = score.metadata.number if score.metadata and score.metadata.number else index
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = index
        name = f"{collection}/{Path(path).stem}/{number}"
        try:
            piece = _score_to_piece(score, name, collection, rhythms.get(number, ""))
        except Exception as error:  # malformed tune: skip it, keep the rest of the file
            log.debug("skipping %s: %s", name, error)
            continue
        if piece is not None:
            pieces.append(piece.to_json())
    return pieces


def corpus_files() -> list[str]:
    """Paths of the corpus files of every collection in `COLLECTIONS`."""
    import music21

    root = Path(music21.__file__).parent / "corpus"
    files = []
    for folder in COLLECTIONS:
        for path in sorted((root / folder).rglob("*")):
            # the chorale analyses are Roman numerals, not music (models/evaluation/chorales.py
            # uses them)
            if path.suffix in (".abc", ".krn", ".mxl", ".xml") and "choraleAnalyses" not in str(
                    path):
                files.append(str(path))
    return files


def _fingerprint(piece: Piece) -> tuple:
    """The melody as (pitch, duration ticks) pairs: equal for copies of one tune in C.

    Onsets and bar lines are left out, so a copy barred differently still matches.
    """
    notes = [(n[2], n[1]) for bar in piece.bars for n in bar.notes]
    return tuple(notes)


def build(cache_dir: Path, workers: int = 2, limit: int | None = None) -> Path:
    """Parse the corpus, deduplicate, and write the cache; returns its path."""
    files = corpus_files()[:limit]
    log.info("reading %d corpus files with %d workers", len(files), workers)
    seen, kept, total = set(), [], 0  # fingerprints; pieces kept (JSON); pieces read
    with get_context("spawn").Pool(workers) as pool:
        for count, pieces in enumerate(pool.imap(load_file, files, chunksize=4), 1):
            for data in pieces:
                total += 1
                piece = Piece.from_json(data)
                fingerprint = _fingerprint(piece)
                if fingerprint in seen:  # the first copy (in file order) is kept
                    continue
                seen.add(fingerprint)
                kept.append(data)
            if count % 200 == 0:
                log.info("%d/%d files, %d pieces", count, len(files), len(kept))
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / CACHE_NAME
    with gzip.open(path, "wt") as handle:
        for data in kept:
            handle.write(json.dumps(data) + "\n")
    log.info("kept %d of %d pieces (%d duplicates) in %s", len(kept), total, total - len(kept),
             path)
    return path


def load(cache_dir: Path, split: str | None = None) -> list[Piece]:
    """The cached pieces (of one split if given); builds the cache when it is missing."""
    path = cache_dir / CACHE_NAME
    if not path.exists():
        build(cache_dir)
    with gzip.open(path, "rt") as handle:
        pieces = [Piece.from_json(json.loads(line)) for line in handle]
    return [p for p in pieces if split is None or p.split() == split]
