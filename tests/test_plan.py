import pytest

from generation.job import Job, Request
from generation.music.arrange import arrange
from generation.music.drums import groups_of
from generation.music.edits import extended, with_tempo
from generation.music.patterns import Grid, chord_tones, voice
from generation.music.plan import chord, make_plan
from generation.music.spec import Spec, bars_for_length, make_spec, parse_key
from generation.music.styles import PROFILES
from models.core.errors import RequestError
from models.core.harmony import Chord
from models.core.notes import Note


def request(style="classical", key="D minor", tempo=72, meter="4/4", instruments=("piano",),
            duration=30.0, mood="calm", stated=("key", "instruments")):
    return Request(text=f"{mood} {style}", mood=mood, moods=(mood,), style=style,
                   tempo_bpm=tempo, key=key, meter=meter, instruments=instruments,
                   duration_s=duration, bars=None, stated=stated, notes=())


@pytest.mark.parametrize("numeral, mode, expected", [
    ("I", "major", Chord(0, "maj")), ("V7", "major", Chord(7, "dom7")),
    ("vi", "major", Chord(9, "min")), ("bVII", "major", Chord(10, "maj")),
    ("VI", "minor", Chord(8, "maj")), ("iio7", "minor", Chord(2, "hdim7")),
    ("Imaj7", "major", Chord(0, "maj7")), ("ii7", "major", Chord(2, "min7")),
    ("IV", "dorian", Chord(5, "maj")), ("VII", "mixolydian", Chord(10, "maj")),
])
def test_roman_numerals(numeral, mode, expected):
    assert chord(numeral, mode) == expected


@pytest.mark.parametrize("style", sorted(PROFILES))
@pytest.mark.parametrize("seconds", [10.0, 30.0, 90.0])
def test_every_plan_covers_its_bars_and_ends_on_the_tonic_after_a_dominant(style, seconds):
    spec = make_spec(request(style=style, duration=seconds, instruments=()), seed=3)
    plan = make_plan(spec)
    assert plan.bars == spec.bars
    assert sum(s.bars for s in plan.sections) == spec.bars
    assert [s.start for s in plan.sections] == sorted(s.start for s in plan.sections)
    assert plan.sections[-1].label == "end"
    assert plan.chords[-1].root == 0 and plan.chords[-1].quality in ("min", "min7")
    if spec.bars > 4 and spec.profile.phrase_bars == 4:
        assert plan.chords[-2].root == 7  # an authentic cadence closes the piece


def test_longer_pieces_get_a_fuller_form_and_repeat_their_a_section():
    short = make_plan(make_spec(request(duration=10.0), seed=1))
    long = make_plan(make_spec(request(duration=120.0), seed=1))
    labels = [s.label for s in long.sections]
    assert len(short.sections) <= 3
    assert labels[0] == "intro" and "B" in labels and labels.count("A") >= 2
    first, again = [s for s in long.sections if s.label == "A"][:2]
    assert long.chords[first.start:first.start + 3] == long.chords[again.start:again.start + 3]


def test_blues_uses_the_twelve_bar_form():
    spec = make_spec(request(style="blues", key="A major", tempo=120, duration=60.0,
                             instruments=()), seed=2)
    chords = make_plan(spec).chords
    roots = [c.root for c in chords[:12]]
    assert roots[:7] == [0, 5, 0, 0, 5, 5, 0] and roots[9:] == [7, 0, 7]


def test_extension_keeps_the_original_plan_and_adds_bars():
    spec = make_spec(request(duration=40.0), seed=5)
    base, longer = make_plan(spec), make_plan(Spec.from_json(
        {**spec.to_json(), "extensions": [8]}))
    assert longer.bars == base.bars + 8
    # all but the closing cadence (its last two bars) stay: the piece now goes on
    assert longer.chords[:base.bars - 3] == base.chords[:base.bars - 3]
    assert longer.chords[-1] == base.chords[-1]


def test_spec_round_trips_through_json():
    spec = make_spec(request(style="jazz", key="Bb major", meter="3/4", instruments=()), 9)
    assert Spec.from_json(spec.to_json()) == spec


def test_emotion_shapes_dynamics_and_articulation():
    calm = make_spec(request(mood="calm", instruments=()), 1)
    energetic = make_spec(request(mood="energetic", instruments=()), 1)
    assert calm.velocity < energetic.velocity
    assert calm.density < energetic.density
    assert calm.legato > energetic.legato


def test_stated_values_win():
    spec = make_spec(request(key="F# minor", tempo=133, meter="5/4", duration=20.0), 4)
    assert (spec.key, spec.tonic, spec.mode, spec.tempo_bpm, spec.meter) == \
        ("F# minor", 6, "minor", 133, (5, 4))
    assert abs(spec.total_duration_s - 20.0) < 1e-6



def test_jobs_and_specs_stored_by_earlier_versions_still_load():
    """Jobs in Redis or SQL and the specs of earlier pieces named the length `length_s`."""
    old_job = {"action": "compose", "text": "calm piano", "seed": 3, "key": None,
               "tempo_bpm": None, "length_s": 45.0, "instrument": None, "base": None,
               "midi_path": None}
    assert Job.from_json(old_job) == Job(text="calm piano", seed=3, duration_s=45.0)
    spec = extended(make_spec(request(duration=20.0), 4))
    old_spec = spec.to_json()
    old_spec["length_s"] = old_spec.pop("total_duration_s")
    assert Spec.from_json(old_spec) == spec
    assert spec.total_duration_s == pytest.approx(20.0 + sum(spec.extensions) * spec.bar_s)

def test_requested_instruments_fill_the_roles():
    spec = make_spec(request(style="jazz", instruments=("flute", "guitar", "bass", "drums")), 2)
    roles = {p.role: p.instrument for p in spec.parts}
    assert roles == {"lead": "flute", "comp": "guitar", "bass": "bass", "drums": "drums"}
    solo = make_spec(request(instruments=("piano",)), 2)
    assert {p.instrument for p in solo.parts} == {"piano"}


def test_tempo_change_is_refused_at_the_limit():
    spec = make_spec(request(tempo=240, instruments=()), 1)
    with pytest.raises(RequestError, match="240 bpm"):
        with_tempo(spec, 1.15)
    assert with_tempo(spec, 1 / 1.15).tempo_bpm == 209


def test_bad_key_is_refused_clearly():
    with pytest.raises(RequestError, match="H minor"):
        parse_key("H minor")


def test_bars_fit_the_duration():
    assert bars_for_length(30.0, 2.0) == 15
    assert bars_for_length(1.0, 4.0) == 2


@pytest.mark.parametrize("meter, groups", [((4, 4), [2, 2]), ((3, 4), [3]), ((6, 8), [3, 3]),
                                           ((5, 4), [3, 2]), ((7, 8), [2, 2, 3])])
def test_pulse_groups(meter, groups):
    assert groups_of(*meter) == groups
    assert Grid(meter).beats == meter[0] * 4 / meter[1]


def test_voicing_moves_smoothly_and_stays_in_range():
    c_major = voice(chord_tones(Chord(0, "maj"), 0), 48, 67, None)
    f_major = voice(chord_tones(Chord(5, "maj"), 0), 48, 67, c_major)
    assert all(48 <= p <= 67 for p in c_major + f_major)
    assert sum(abs(a - b) for a, b in zip(c_major, f_major, strict=True)) <= 5


def test_arrangement_ends_exactly_at_the_length_with_the_tonic_chord():
    spec = make_spec(request(style="pop", key="E major", tempo=100, instruments=(),
                             duration=25.0), 7)
    plan = make_plan(spec)
    beats = spec.beats_per_bar
    melody = [Note(60 + (i % 5), i * 1.0, 1.0) for i in range(int((spec.bars - 1) * beats))]
    midi = arrange(spec, plan, melody)
    assert abs(midi.get_end_time() - spec.total_duration_s) < 1e-3
    assert any(i.is_drum for i in midi.instruments)
    last_downbeat = (spec.bars - 1) * spec.bar_s
    sounding = {n.pitch % 12 for i in midi.instruments if not i.is_drum for n in i.notes
                if n.end > last_downbeat + 0.1}
    assert sounding <= {4, 8, 11}  # E major triad
