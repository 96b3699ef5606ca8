"""Arranged MIDI + Spec + Plan → a music21 Score a notation program opens as a musician expects.

One part per instrument with its name and General MIDI program; the key signature of the
piece's key, its meter and a metronome mark; chord symbols over the lead and a rehearsal mark
where each section of the plan starts; notes named in the key (spelling.py), written in values
that show the beat (rhythm.py), in as many voices as the part needs (voices.py); the drum kit
on a percussion staff (drumkit.py). Bars are built here, complete, so music21 only writes them
(its own `makeNotation` pass costs seconds on a busy piece).
"""

from __future__ import annotations

import functools
from fractions import Fraction

import pretty_midi
from music21 import (
    bar,
    beam,
    chord,
    clef,
    duration,
    expressions,
    harmony,
    instrument,
    key,
    metadata,
    meter,
    note,
    percussion,
    pitch,
    stream,
    tempo,
    tie,
)

from generation.music.perform import parts_of
from generation.music.plan import Plan
from generation.music.spec import Spec
from generation.notation.drumkit import FEET, drum
from generation.notation.rhythm import TICKS, bar_ticks, beat_ticks
from generation.notation.spelling import Speller
from generation.notation.voices import Written, bars_of, drum_events, events_of, split_voices

# MusicXML's kind of each chord quality (the values of <kind>)
KINDS = {"maj": "major", "min": "minor", "dim": "diminished", "aug": "augmented",
         "dom7": "dominant-seventh", "maj7": "major-seventh", "min7": "minor-seventh",
         "hdim7": "half-diminished-seventh", "sus4": "suspended-fourth", "maj6": "major-sixth",
         "min6": "minor-sixth", "dim7": "diminished-seventh", "sus2": "suspended-second",
         "7sus4": "suspended-fourth-seventh", "add9": "add9", "madd9": "minor-add9",
         "dom9": "dominant-ninth", "maj9": "major-ninth", "min9": "minor-ninth",
         "minmaj7": "minor-major-seventh", "power": "power"}
SECTION_NAMES = {"intro": "Intro", "outro": "Outro", "end": "Ending"}
BASS_CLEF_BELOW = 55  # a part whose middle pitch is under G3 reads in the bass clef
GUITARS = range(24, 32)  # General MIDI programs
BASSES = (*range(32, 40), 43)  # the bass guitars and the contrabass


def score_of(spec: Spec, plan: Plan, midi: pretty_midi.PrettyMIDI, title: str) -> stream.Score:
    """The full score of an arrangement written straight (no swing, no humanizing)."""
    tonic, mode = spec.key.split()[0], spec.key.split()[1]
    speller = Speller(tonic, mode)
    score = stream.Score()
    # notation programs title a score by its movement title; the request is the work's
    score.metadata = metadata.Metadata(title=spec.text[:120], movementName=title,
                                       composer="tunesmith")
    end = plan.bars * bar_ticks(spec.meter)
    lead = next((t for t in midi.instruments if not t.is_drum), None)
    for number, (track, role) in enumerate(zip(midi.instruments, parts_of(spec, midi),
                                               strict=True)):
        if track.is_drum:
            part = _drum_part(track, spec, plan.bars, end)
        else:
            # the melody and its counterline sound `legato` of their written values
            legato = spec.legato if role.role in ("lead", "counter") else 1.0
            part = _pitched_part(track, spec, plan.bars, end, speller, legato)
        part.id = f"P{number + 1}"
        measures = list(part.getElementsByClass(stream.Measure))
        first = measures[0]
        first.insert(0, meter.TimeSignature(_meter(spec)))
        if not track.is_drum:
            first.insert(0, key.KeySignature(speller.fifths))
        if number == 0:
            _heading(first, spec, measures, plan)
        if track is lead:
            _chord_symbols(measures, spec, plan, speller)
        measures[-1].rightBarline = bar.Barline("final")
        if _rings_on(track, spec, end):
            _hold(measures[-1])
        score.insert(0, part)
    return score


def _pitched_part(track: pretty_midi.Instrument, spec: Spec, bars: int, end: int,
                  speller: Speller, legato: float) -> stream.Part:
    inst = _instrument(track.program)
    inst.partName = track.name[:1].upper() + track.name[1:]
    inst.midiProgram, inst.midiChannel = track.program, None
    inst.transposition = None  # a concert score: every part written as it sounds
    events = events_of(track, spec.tempo_bpm, end, spec.swing, legato, bar_ticks(spec.meter))
    pitches = sorted(p for event in events for p in event.pitches)
    middle = pitches[len(pitches) // 2] if pitches else 60
    voices = [bars_of(v, spec.meter, bars) for v in split_voices(events)]
    return _part(inst, _clef(track.program, middle), voices, spec, bars,
                 lambda w, marks: _pitched(w, speller, marks))


def _part(inst: instrument.Instrument, first_clef: clef.Clef, voices: list[list[list[Written]]],
          spec: Spec, bars: int, make) -> stream.Part:
    """A part of `inst` of `bars` bars holding `voices` (a row of written notes a bar each)."""
    part, signature = stream.Part(), _meter(spec)
    part.insert(0, inst)
    for index in range(bars):
        measure = _measure(index, [v[index] for v in voices], make, signature)
        if index == 0:
            measure.insert(0, first_clef)
        part.coreAppend(measure)
    part.coreElementsChanged()
    return part


def _clef(program: int, middle: int) -> clef.Clef:
    """Guitars read the treble clef an octave down and basses the bass clef an octave down
    (the octave clefs of a concert score); other parts the treble or bass clef by where the
    middle of their notes lies."""
    if program in GUITARS:
        return clef.Treble8vbClef()
    if program in BASSES:
        return clef.Bass8vbClef()
    return clef.BassClef() if middle < BASS_CLEF_BELOW else clef.TrebleClef()


def _rings_on(track: pretty_midi.Instrument, spec: Spec, end: int) -> bool:
    """Whether the track sounds past the last bar line (the final chord rings into the
    piece's tail): the notation holds it with a fermata."""
    last = max((n.end for n in track.notes), default=0.0)
    return last * spec.tempo_bpm / 60 * TICKS > end + 1


def _hold(measure: stream.Measure) -> None:
    """A fermata on the last note of each voice of the final bar."""
    voices = list(measure.voices) or [measure]
    for voice in voices:
        notes = list(voice.notes)
        if notes:
            notes[-1].expressions.append(expressions.Fermata())


def _meter(spec: Spec) -> str:
    return f"{spec.meter[0]}/{spec.meter[1]}"


def _instrument(program: int) -> instrument.Instrument:
    try:
        return instrument.instrumentFromMidiProgram(program)
    except instrument.InstrumentException:
        return instrument.Instrument()


def _drum_part(track: pretty_midi.Instrument, spec: Spec, bars: int, end: int) -> stream.Part:
    kit = instrument.Percussion()
    kit.partName = "Drums"
    voices = [bars_of(v, spec.meter, bars)
              for v in drum_events(track, spec.tempo_bpm, end, FEET, spec.swing)]
    return _part(kit, clef.PercussionClef(), voices, spec, bars, _unpitched)


def _measure(index: int, rows: list[list[Written]], make,
             signature: str) -> stream.Measure:
    """Bar `index + 1` from one row of written notes per voice; a voice that only rests in
    this bar is left out (unless it is the only one). Stems go up in the first of several
    voices and down in the others."""
    measure = stream.Measure(number=index + 1)
    heard = [row for row in rows if any(w.pitches for w in row)] or rows[:1]
    marks: dict[tuple[str, int], int] = {}  # accidentals shown so far in this bar
    if len(heard) == 1:
        _fill(measure, heard[0], lambda item: make(item, marks), signature, None)
    else:
        for number, row in enumerate(heard):
            voice = stream.Voice(id=str(number + 1))
            _fill(voice, row, lambda item: make(item, marks), signature,
                  "up" if number == 0 else "down")
            measure.insert(0, voice)
    return measure


def _fill(container: stream.Stream, row: list[Written], make,
          signature: str, stem: str | None) -> None:
    elements = []
    for item in row:
        element = make(item) if item.pitches else note.Rest()
        element.duration = _duration(item.length)
        if not item.pitches:  # said, so the writer does not look for the bar's length
            element.fullMeasure = len(row) == 1
        elif stem:
            element.stemDirection = stem
        if item.tie_in or item.tie_out:
            kind = "continue" if item.tie_in and item.tie_out else (
                "start" if item.tie_out else "stop")
            element.tie = tie.Tie(kind)
        container.coreInsert(Fraction(item.start, TICKS), element)
        elements.append(element)
    container.coreElementsChanged()
    if any(item.length % 3 for item in row):
        stream.makeNotation.makeTupletBrackets(container, inPlace=True)
    if len(elements) > 1:  # beamed by the meter's beat groups, as music21's makeBeams does
        rhythm = tuple((item.length, bool(item.pitches)) for item in row)
        for element, beams in zip(elements, _beams(signature, rhythm), strict=True):
            if beams:
                element.beams = beam.Beams()
                for number, (kind, direction) in enumerate(beams, start=1):
                    element.beams.append(beam.Beam(type=kind, direction=direction,
                                                   number=number))


@functools.lru_cache(maxsize=512)
def _beams(meter_text: str, rhythm: tuple[tuple[int, bool], ...]
           ) -> tuple[tuple[tuple[str, str | None], ...], ...]:
    """The beams of a row of values (ticks, sounding) in a meter, as (type, direction) per
    beam level and note. Rows repeat from bar to bar (a comping pattern, a drum groove), and
    music21's beaming is slow, so each rhythm is beamed once."""
    signature = meter.TimeSignature(meter_text)
    if signature.denominator == 4 and signature.numerator > 4:  # 5/4, 7/4: beamed by beat
        signature.beamSequence.partition(signature.numerator)
    elements = []
    for ticks, sounding in rhythm:
        element = note.Note() if sounding else note.Rest()
        element.duration = _duration(ticks)
        elements.append(element)
    return tuple(() if beams is None else tuple((b.type, b.direction) for b in beams)
                 for beams in signature.getBeams(elements))


@functools.cache
def _duration_values(ticks: int) -> tuple[str, int, bool]:
    """(type, dots, triplet) of a written value: 18 → ('quarter', 1, False)."""
    length = duration.Duration(Fraction(ticks, TICKS))
    return length.type, length.dots, bool(length.tuplets)


def _duration(ticks: int) -> duration.Duration:
    kind, dots, triplet = _duration_values(ticks)
    if kind == "complex":  # a whole-bar rest of 5/4 or 7/8
        return duration.Duration(Fraction(ticks, TICKS))
    length = duration.Duration(type=kind, dots=dots)
    if triplet:
        length.appendTuplet(duration.Tuplet(3, 2))
    return length


def _pitched(item: Written, speller: Speller, marks: dict[tuple[str, int], int]) -> note.NotRest:
    """A note or chord, its accidentals shown as a bar of music shows them: where the
    pitch differs from the key signature or from an accidental earlier in the bar (a
    natural sign where one is cancelled); never on the second note of a tie."""
    pitches = []
    for midi_pitch in item.pitches:
        step, alter, octave = speller.spell(midi_pitch)
        expected = marks.get((step, octave), speller.signature[step])
        written = pitch.Pitch(step=step, octave=octave, accidental=alter or None)
        if alter != expected and not item.tie_in:
            marks[(step, octave)] = alter
            if written.accidental is None:
                written.accidental = pitch.Accidental("natural")
            written.accidental.displayStatus = True
        elif written.accidental is not None:
            written.accidental.displayStatus = False
        pitches.append(written)
    if len(pitches) == 1:
        return note.Note(pitches[0])
    return SortedChord(pitches)


class SortedChord(chord.Chord):
    """A chord built from its pitches in ascending order. music21's writer sorts a copy of
    every chord and discards it (`chordToXml` calls `sortAscending()` not in place, music21
    9 and 10): a tenth of a second on a band piece, for nothing when it is sorted already."""

    def sortAscending(self, *, inPlace: bool = False):
        return None if inPlace else self


def _pitch(midi_pitch: int, speller: Speller) -> pitch.Pitch:
    step, alter, octave = speller.spell(midi_pitch)
    return pitch.Pitch(step=step, octave=octave, accidental=alter or None)


def _unpitched(item: Written, marks: dict) -> note.NotRest:
    hits = []
    for p in item.pitches:
        sound = drum(p)
        hit = note.Unpitched(displayName=f"{sound.step}{sound.octave}")
        hit.notehead = sound.notehead
        hit.id = f"drum{p}-{id(hit)}"  # the drum it plays, for writer.py (unique per score)
        hits.append(hit)
    return hits[0] if len(hits) == 1 else percussion.PercussionChord(hits)


def _heading(first: stream.Measure, spec: Spec, measures: list[stream.Measure],
             plan: Plan) -> None:
    """The top staff's tempo, the swing mark and the section names."""
    beat = Fraction(beat_ticks(spec.meter), TICKS)
    bpm = round(spec.tempo_bpm / beat)
    mark = tempo.MetronomeMark(number=bpm, referent=duration.Duration(beat))
    mark.placement = "above"  # directions of the top staff go above it, not between staves
    first.insert(0, mark)
    if spec.swing:
        swing = expressions.TextExpression("Swing")
        swing.placement = "above"
        first.insert(0, swing)
    labels = plan.section_of_bar()
    for index, label in enumerate(labels[: len(measures)]):
        if index == 0 or label != labels[index - 1]:
            name = SECTION_NAMES.get(label, label.replace("'", "′"))
            rehearsal = expressions.RehearsalMark(name)
            rehearsal.placement = "above"
            measures[index].insert(0, rehearsal)


def _chord_symbols(measures: list[stream.Measure], spec: Spec, plan: Plan,
                   speller: Speller) -> None:
    beats = spec.beats_per_bar
    for index, measure in enumerate(measures[: plan.bars]):
        for start, _, symbol in plan.chords_in(index, beats):
            root = _pitch((speller.tonic_pc + symbol.root) % 12 + 60, speller)
            bass = None
            if symbol.bass is not None and symbol.bass != symbol.root:
                bass = _pitch((speller.tonic_pc + symbol.bass) % 12 + 48, speller)
            # the kind is set afterwards: given to the constructor, music21 spends 10 ms
            # building the chord's pitches, which a symbol that is only written never needs
            written = harmony.ChordSymbol(root=root, bass=bass)
            written.chordKind = KINDS[symbol.quality]
            measure.insert(Fraction(start).limit_denominator(TICKS), written)
