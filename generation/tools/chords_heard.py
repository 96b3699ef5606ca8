"""Whether the chords a user named are the chords one hears: the accompaniment of a finished
MIDI read back bar by bar against the progression, looped as the user wrote it.

A chord span is heard as named when at least `SHARE` of the accompaniment's sounding time
in it (every track but the melody and the drums, each note weighted by how long it sounds
there) is on the chord's tones, and its root (or, for a slash chord, its bass) sounds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pretty_midi

from generation.chords import onsets_in_bar, resolve
from generation.music.spec import Spec
from models.inference import QUALITIES

SHARE = 0.9
# requests that name chords in the usual spellings, for `tunesmith eval chords`
REQUESTS = (
    "calm piano in C minor, 8 bars, chord progression Cm G Cm Fm",
    "folk song on acoustic guitar, chords Am - F - C - G",
    "jazz ballad in Bb: | Cm7 F7 | Bbmaj7 | Gm7 C7 | Fmaj7 |",
    "a waltz in 3/4 with the chords Am Dm E7 Am",
    "the 12-bar blues in E, shuffle",
    "happy pop I–vi–IV–V on piano",
    "a ii-V-I in G, two chords per bar, smooth jazz",
    "lofi beat with chords Dm9 G13 Cmaj7 A7b9",
    "epic rock anthem, power chords E5 A5 D5 A5",
    "dreamy ambient pad, progression Cmaj9 Am9 Fmaj7 G7sus4",
    "sad strings in D minor, chords Dm Bb F C, each chord for two bars",
    "baroque harpsichord, chords C G/B Am Em/G F C/E Dm G",
    "celtic jig in D with chords D G A D",
    "tense cinematic piece, chords Cm Ab Fm G7 Cm, 12 bars",
    "romantic cello, chord sequence Ebmaj7 Cm7 Fm7 Bb7sus4 Bb7",
    "upbeat electronic track, chords F#m D A E, 120 bpm",
    "mysterious harp in E phrygian, chords Em F Em Dm",
    "playful chiptune with the progression C Am Dm G7",
    "a march in 2/4 with chords C F G7 C",
    "gospel-tinged organ, chords C C7 F Fm C G7 C",
)


def _accompaniment(midi: pretty_midi.PrettyMIDI, spec: Spec) -> list[pretty_midi.Instrument]:
    lead = next((p.instrument for p in spec.parts if p.role == "lead"), None)
    tracks = [t for t in midi.instruments if not t.is_drum]
    melody = next((t for t in tracks if t.name == lead), None)
    return [t for t in tracks if t is not melody]


def heard(midi_path: Path, spec: Spec) -> list[tuple[int, str, bool]]:
    """(bar, chord name, heard as named) for every chord span of the piece's named chords."""
    midi = pretty_midi.PrettyMIDI(str(midi_path))
    tracks = _accompaniment(midi, spec)
    beat_s, beats = 60.0 / spec.tempo_bpm, spec.beats_per_bar
    found = []
    for bar in range(spec.bars + sum(spec.extensions)):
        written = spec.chords[bar % len(spec.chords)]
        onsets = onsets_in_bar(len(written), beats)
        for index, name in enumerate(written):
            stop = onsets[index + 1] if index + 1 < len(written) else beats
            start_s, stop_s = (bar * beats + onsets[index]) * beat_s, (bar * beats + stop) * beat_s
            chord = resolve(name, spec.chords_tonic, spec.mode)
            tones = {(spec.tonic + chord.root + step) % 12 for step in QUALITIES[chord.quality]}
            bass = (spec.tonic + (chord.root if chord.bass is None else chord.bass)) % 12
            weights: dict[int, float] = {}
            for track in tracks:
                for note in track.notes:
                    overlap = min(note.end, stop_s) - max(note.start, start_s)
                    if overlap > 1e-3:
                        weights[note.pitch % 12] = weights.get(note.pitch % 12, 0.0) + overlap
            total = sum(weights.values())
            inside = sum(w for pc, w in weights.items() if pc in tones | {bass})
            ok = total > 0 and inside >= SHARE * total and bass in weights
            found.append((bar, name, bool(ok)))
    return found


def evaluate_chords(composer, out_dir: Path, seeds: tuple[int, ...] = (1, 2)) -> dict:
    """Every request of `REQUESTS` composed with each seed and read back: the share of
    chord spans heard as named, overall and per request."""
    from generation.job import Job

    rows = []
    for text in REQUESTS:
        for seed in seeds:
            piece = composer.run(Job(text=text, seed=seed), out_dir)
            spec = Spec.from_json(piece.spec)
            spans = heard(piece.midi, spec)
            rows.append({"text": text, "seed": seed, "key": spec.key,
                         "chords": list(piece.chords[:8]),
                         "heard": sum(ok for _, _, ok in spans), "spans": len(spans),
                         "missed": [f"bar {bar + 1}: {name}" for bar, name, ok in spans
                                    if not ok][:5]})
    heard_all = sum(r["heard"] for r in rows)
    spans_all = sum(r["spans"] for r in rows)
    summary = {"requests": len(REQUESTS), "pieces": len(rows), "spans": spans_all,
               "heard": heard_all, "share": round(heard_all / spans_all, 4)}
    (out_dir / "chords.json").write_text(json.dumps({"summary": summary, "pieces": rows},
                                                    indent=2, ensure_ascii=False))
    return summary
