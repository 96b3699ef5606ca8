"""The MIDI carries a performance, read back from the written file with pretty_midi: parts
spread across the stereo field with the lead loudest, the damper pedal changed with the
harmony on keyboards, sustained parts swelling with the phrases, timing that breathes where
the style does and stays on the grid where it must."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pretty_midi
import pytest

from generation.job import Job, Request
from generation.music.arrange import arrange
from generation.music.perform import parts_of, perform
from generation.music.plan import make_plan
from generation.music.spec import make_spec
from models.inference import Note

PAN, VOLUME, EXPRESSION, SUSTAIN = 10, 7, 11, 64


def performed(tmp_path: Path, style: str, instruments: tuple[str, ...] = (), seed: int = 7,
              tempo: int = 96, meter: str = "4/4", duration: float = 30.0):
    """(spec, the arranged MIDI, the performed MIDI as written and read back)."""
    request = Request(text=style, mood="calm", moods=("calm",), style=style, tempo_bpm=tempo,
                      key="D minor", meter=meter, instruments=instruments,
                      duration_s=duration, bars=None,
                      stated=("instruments",) if instruments else (), notes=())
    spec = make_spec(request, seed)
    plan = make_plan(spec)
    beats = int((spec.total_bars - 1) * spec.beats_per_bar)
    melody = [Note(62 + (3 * i) % 10, i * 0.5, 0.5) for i in range(2 * beats)]
    arranged = arrange(spec, plan, melody)
    path = tmp_path / f"{style}-{seed}.mid"
    perform(spec, plan, arranged).write(str(path))
    return spec, arranged, pretty_midi.PrettyMIDI(str(path))


def values(track: pretty_midi.Instrument, number: int) -> list[tuple[float, int]]:
    return [(c.time, c.value) for c in track.control_changes if c.number == number]


def first(track: pretty_midi.Instrument, number: int) -> int:
    return values(track, number)[0][1]


@pytest.mark.parametrize("style", ["pop", "cinematic", "jazz", "classical"])
def test_the_parts_are_spread_across_the_stereo_field_and_the_lead_is_loudest(tmp_path, style):
    spec, _, midi = performed(tmp_path, style)
    parts = parts_of(spec, midi)
    pans = [first(t, PAN) for t, p in zip(midi.instruments, parts, strict=True)
            if not p.is_drum and (p.role != "bass" or style == "cinematic")]
    assert len(set(pans)) == len(pans) >= 2, pans  # a band's bass sits with the lead
    assert max(pans) - min(pans) >= 14, pans
    lead = spec.part("lead").instrument
    volume = {t.name: first(t, VOLUME) for t in midi.instruments}
    assert volume[lead] > max(v for name, v in volume.items() if name != lead), volume
    for track in midi.instruments:
        assert {91, 93} <= {c.number for c in track.control_changes}  # reverb, chorus sends


def test_an_orchestra_sits_where_an_orchestra_sits(tmp_path):
    _, _, midi = performed(tmp_path, "cinematic", ("violin", "cello", "contrabass"))
    pan = {t.name: first(t, PAN) for t in midi.instruments if not t.is_drum}
    assert pan["violin"] < 64 < pan["cello"], pan


def test_the_piano_pedal_changes_with_the_harmony(tmp_path):
    spec, _, midi = performed(tmp_path, "classical", ("piano",), meter="3/4", tempo=76)
    changes = [bar * spec.bar_s for bar in range(1, spec.total_bars - 3)]  # before the rit.
    for track in midi.instruments:  # the melody's hand and the accompaniment's
        pedal = values(track, SUSTAIN)
        downs = [t for t, v in pedal if v >= 64]
        ups = [t for t, v in pedal if v < 64]
        assert len(downs) == len(ups) and all(d < u for d, u in zip(downs, ups, strict=True))
        for change in changes:
            assert any(change - 0.05 <= t <= change + 0.005 for t in ups), change
            assert any(change + 0.03 <= t <= change + 0.25 for t in downs), change
        assert ups[-1] >= max(n.end for n in track.notes) - 1e-3  # up when the piece ends


def test_no_pedal_on_a_harpsichord_or_in_rock(tmp_path):
    for style, instruments in (("baroque", ("harpsichord",)), ("rock", ("piano",))):
        _, _, midi = performed(tmp_path, style, instruments)
        assert not any(values(t, SUSTAIN) for t in midi.instruments), style


def test_sustained_parts_swell_with_the_phrases(tmp_path):
    spec, _, midi = performed(tmp_path, "cinematic", ("strings",))
    strings = next(t for t in midi.instruments if t.name == "strings")
    curve = values(strings, EXPRESSION)
    levels = [v for _, v in curve]
    assert len(set(levels)) >= 10 and max(levels) - min(levels) >= 25, levels
    # each 4-bar phrase rises to a peak inside it and falls again
    phrase_s = 4 * spec.bar_s
    peaks = [max(curve[i:], key=lambda c: c[1] if c[0] < (k + 1) * phrase_s else -1)
             for k in range(2) for i in [next(j for j, c in enumerate(curve)
                                              if c[0] >= k * phrase_s)]]
    for k, (when, _) in enumerate(peaks):
        assert k * phrase_s + 0.25 * phrase_s < when < (k + 1) * phrase_s, (k, when)
    piano = performed(tmp_path, "classical", ("piano",))[2]
    assert not any(values(t, EXPRESSION) for t in piano.instruments)  # a piano cannot swell


def onsets_off_grid_ms(midi: pretty_midi.PrettyMIDI, drums: bool, step_s: float) -> np.ndarray:
    starts = np.array([n.start for t in midi.instruments if t.is_drum == drums for n in t.notes])
    return np.abs(starts - np.round(starts / step_s) * step_s) * 1000


def moved_ms(spec, arranged, midi, role: str) -> np.ndarray:
    """How far each note of the part playing `role` moved from where it was written (ms)."""
    name = spec.part(role).instrument
    written, played = ([sorted(t.notes, key=lambda n: (n.pitch, n.start))
                        for t in m.instruments if t.name == name][0] for m in (arranged, midi))
    return np.array([p.start - w.start for w, p in zip(written, played, strict=True)]) * 1000


def test_humanize_is_a_few_ms_and_never_moves_electronic_drums(tmp_path):
    spec, _, midi = performed(tmp_path, "electronic")
    sixteenth = 60 / spec.tempo_bpm / 4
    assert onsets_off_grid_ms(midi, True, sixteenth).max() < 1.5  # a tick at most
    spec, arranged, midi = performed(tmp_path, "pop", ("piano",))
    moved = np.abs(moved_ms(spec, arranged, midi, "lead"))  # pop has no ritardando
    assert 0.5 < np.median(moved) and moved.max() < 12, moved


def test_lofi_sits_behind_the_beat(tmp_path):
    spec, arranged, midi = performed(tmp_path, "lofi")
    late = moved_ms(spec, arranged, midi, "lead")
    assert 10 < np.median(late) < 30, np.median(late)


@pytest.mark.parametrize("style, slows", [("classical", True), ("cinematic", True),
                                           ("pop", False), ("electronic", False)])
def test_a_ritardando_where_the_style_has_one(tmp_path, style, slows):
    spec, arranged, midi = performed(tmp_path, style)
    final = (spec.total_bars - 1) * spec.bar_s  # where the last chord is written
    last = max(n.start for t in midi.instruments for n in t.notes)
    assert (last - final > 0.1) == slows, (last, final)
    ends = [n.end for t in midi.instruments for n in t.notes]
    assert max(ends) == pytest.approx(spec.total_duration_s, abs=2e-3)  # still ends on time


def test_velocities_follow_the_metre(tmp_path):
    spec, arranged, midi = performed(tmp_path, "classical", ("piano",), meter="3/4", tempo=76)
    beat = 60 / spec.tempo_bpm

    def lifted(where) -> float:  # mean played / written velocity of the comp's notes there
        written, played = ([sorted(t.notes, key=lambda n: (n.pitch, n.start))
                            for t in m.instruments if t.name != "piano"][0]
                           for m in (arranged, midi))
        return np.mean([p.velocity / w.velocity for w, p in zip(written, played, strict=True)
                        if where((w.start / beat) % 3)])

    downbeats, offbeats = lifted(lambda b: b < 0.05), lifted(lambda b: 0.4 < b % 1 < 0.6)
    assert downbeats > offbeats + 0.1, (downbeats, offbeats)


def test_the_same_seed_plays_the_same_bytes_and_leaves_the_arrangement_alone(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    _, arranged, _ = performed(a, "jazz")
    performed(b, "jazz")
    assert (a / "jazz-7.mid").read_bytes() == (b / "jazz-7.mid").read_bytes()
    assert not any(t.control_changes for t in arranged.instruments)  # notation's source
    performed(b, "jazz", seed=8)
    assert (b / "jazz-8.mid").read_bytes() != (a / "jazz-7.mid").read_bytes()


@pytest.mark.slow
def test_the_downloaded_midi_carries_the_performance(tmp_path):
    from generation.composer import Composer

    composer = Composer()
    job = Job(text="calm piano and strings in D minor, 20 seconds", seed=3)
    first_run = composer.run(job, tmp_path / "one")
    again = composer.run(job, tmp_path / "two")
    assert first_run.midi.read_bytes() == again.midi.read_bytes()
    midi = pretty_midi.PrettyMIDI(str(first_run.midi))
    numbers = {c.number for t in midi.instruments for c in t.control_changes}
    assert {PAN, VOLUME, SUSTAIN, EXPRESSION, 91, 93} <= numbers, numbers
