"""Each logit filter alone, on hand-made steps, plus nucleus sampling."""

from __future__ import annotations

import math

import numpy as np

from models.core.tokenizer import Tokenizer
from models.inference import filters

TOKENIZER = Tokenizer()
TABLE = filters.TokenTable(TOKENIZER)
ID = TOKENIZER.index


def flat() -> np.ndarray:
    return np.zeros(len(TOKENIZER), np.float32)


def allowed(logits: np.ndarray) -> set[str]:
    return {TOKENIZER.vocab[i] for i in np.flatnonzero(np.isfinite(logits))}


def step(phase: str, **fields) -> filters.Step:
    values = {"bar_start": 48, "bar_length": 48, "min_pos": 0, "last_end": 48}
    values.update(fields)
    return filters.Step(phase, **values)


def test_grammar_allows_only_the_phase_family():
    event = allowed(filters.grammar(flat(), step("event"), TABLE))
    assert "BAR" in event and all(t == "BAR" or t.startswith("POS_") for t in event)
    assert all(t.startswith("PITCH_") for t in allowed(filters.grammar(flat(), step("pitch"),
                                                                       TABLE)))
    durations = allowed(filters.grammar(flat(), step("dur"), TABLE))
    assert durations == {t for t in TOKENIZER.vocab if t.startswith("DUR_")}
    assert "EOS" not in event


def test_meter_keeps_onsets_in_the_bar_after_the_previous_note():
    out = allowed(filters.meter(flat(), step("event", min_pos=12, bar_length=36), TABLE))
    positions = {int(t[4:]) for t in out if t.startswith("POS_")}
    assert positions == set(range(12, 36))
    durations = allowed(filters.meter(flat(), step("dur", pos=30, bar_length=36), TABLE))
    assert max(int(t[4:]) for t in durations if t.startswith("DUR_")) == 6
    tied = allowed(filters.meter(flat(), step("dur", pos=30, bar_length=36, max_end=72), TABLE))
    assert max(int(t[4:]) for t in tied if t.startswith("DUR_")) == 42


def test_silence_bars_long_rests_and_early_bar_ends():
    # a 48-tick bar from tick 48; the last note ended at tick 72 (24 into the bar)
    at = step("event", min_pos=24, last_end=72)
    out = filters.silence(filters.grammar(flat(), at, TABLE), at, TABLE, max_gap=20)
    positions = {int(t[4:]) for t in allowed(out) if t.startswith("POS_")}
    assert max(positions) == 44  # 72 + 20 - 48
    assert "BAR" not in allowed(out)  # ending the bar now would leave a 24-tick rest
    relaxed = filters.silence(filters.grammar(flat(), at, TABLE), at, TABLE, max_gap=24)
    assert "BAR" in allowed(relaxed)


def test_scale_strictness_scales_the_penalty():
    major = frozenset({0, 2, 4, 5, 7, 9, 11})
    at = step("pitch", chord_pcs=frozenset({2, 6, 9}))  # D major: F# is a chord tone
    free = filters.scale(flat(), at, TABLE, major, 0.0)
    assert np.array_equal(free, flat())
    strict = filters.scale(flat(), at, TABLE, major, 1.0)
    pitches = {int(t[6:]) % 12 for t in allowed(strict) if t.startswith("PITCH_")}
    assert pitches == set(major) | {6}
    half = filters.scale(flat(), at, TABLE, major, 0.5)
    assert math.isclose(float(half[ID["PITCH_61"]]), math.log(0.5), rel_tol=1e-6)
    assert float(half[ID["PITCH_60"]]) == 0.0


def test_pitch_range_bars_pitches_outside():
    out = filters.pitch_range(flat(), step("pitch"), TABLE, 60, 72)
    pitches = {int(t[6:]) for t in allowed(out) if t.startswith("PITCH_")}
    assert pitches == set(range(60, 73))
    assert np.array_equal(filters.pitch_range(flat(), step("dur"), TABLE, 60, 72), flat())


def test_chord_tones_gain_on_strong_beats_only():
    chord = frozenset({0, 4, 7})
    for pos in (0, 24):  # a 4/4 bar's first and third beats
        strong = filters.chord_tones(flat(), step("pitch", pos=pos, bar_length=48,
                                                  chord_pcs=chord), TABLE, 2.0)
        assert float(strong[ID["PITCH_64"]]) == 2.0 and float(strong[ID["PITCH_65"]]) == 0.0
    for pos, length in ((12, 48), (36, 48), (6, 48), (24, 36), (12, 24)):  # 3/4's third beat,
        weak = filters.chord_tones(flat(), step("pitch", pos=pos, bar_length=length,  # 2/4's
                                                chord_pcs=chord), TABLE, 2.0)  # second: weak
        assert np.array_equal(weak, flat()), (pos, length)


def test_common_tone_favours_the_previous_pitch_on_a_beat_where_the_chord_holds_it():
    chord = frozenset({0, 4, 7})
    held = filters.common_tone(flat(), step("pitch", pos=12, chord_pcs=chord, recent=(62, 64)),
                               TABLE, 1.0)
    assert pitch_bias(held, 64, 76, 60, 67) == [1.0, 0.0, 0.0, 0.0]  # that pitch, not its pc
    for moved in (step("pitch", pos=6, chord_pcs=chord, recent=(64,)),  # off the beat
                  step("pitch", pos=12, chord_pcs=chord, recent=(65,)),  # not in the chord
                  step("pitch", pos=12, chord_pcs=chord)):  # nothing written yet
        assert np.array_equal(filters.common_tone(flat(), moved, TABLE, 1.0), flat())


def test_contour_costs_each_semitone_of_a_leap_beyond_a_fifth():
    far = filters.contour(flat(), step("pitch", recent=(60,)), TABLE, step_bias=0.0,
                          recovery=0.0, far=0.4)
    assert np.allclose(pitch_bias(far, 67, 68, 72, 76, 53, 44), [0, -0.4, -2, -3.6, 0, -3.6])


def test_nucleus_keeps_the_smallest_mass_reaching_top_p():
    logits = np.log(np.array([0.5, 0.3, 0.15, 0.05], np.float32))
    kept = filters.nucleus(logits, 0.75)
    assert np.isfinite(kept).tolist() == [True, True, False, False]
    assert np.isfinite(filters.nucleus(logits, 0.5)).tolist() == [True, False, False, False]
    assert np.array_equal(filters.nucleus(logits, 1.0), logits)


def test_kept_masks_answer_as_freshly_built_ones():
    """Filters keep their masks in the table; a step met again must get its own mask back,
    whatever steps came between (a key missing a field would hand it another step's)."""
    logits = np.random.default_rng(3).standard_normal(len(TOKENIZER)).astype(np.float32)
    major = frozenset({0, 2, 4, 5, 7, 9, 11})
    steps = [step(phase, min_pos=m, bar_length=b, pos=p, last_end=e, max_end=x, chord_pcs=c)
             for phase in ("event", "pitch", "dur") for m in (0, 12) for b in (36, 48)
             for p in (6, 30) for e in (48, 60) for x in (0, 72)
             for c in (frozenset(), frozenset({2, 6, 9}))]
    chain = [lambda g, s, t: filters.grammar(g, s, t), lambda g, s, t: filters.meter(g, s, t),
             lambda g, s, t: filters.silence(g, s, t, max_gap=20),
             lambda g, s, t: filters.scale(g, s, t, major, 0.8),
             lambda g, s, t: filters.scale(g, s, t, major, 1.0),
             lambda g, s, t: filters.pitch_range(g, s, t, 60, 72),
             lambda g, s, t: filters.chord_tones(g, s, t, 1.5)]
    shared = filters.TokenTable(TOKENIZER)
    for keep in chain:
        fresh = [keep(logits, at, filters.TokenTable(TOKENIZER)) for at in steps]
        for at, expected in [*zip(steps, fresh, strict=True), *zip(steps[::-1], fresh[::-1],
                                                                     strict=True)]:
            assert np.array_equal(keep(logits, at, shared), expected)
    assert np.array_equal(logits, np.random.default_rng(3).standard_normal(
        len(TOKENIZER)).astype(np.float32))  # no filter wrote into its input


# --- the melody's craft --------------------------------------------------------------------

def pitch_bias(logits: np.ndarray, *pitches: int) -> list[float]:
    return [float(logits[ID[f"PITCH_{p}"]]) for p in pitches]


def test_repetition_costs_the_previous_pitch_and_bars_a_third():
    once = filters.repetition(flat(), step("pitch", recent=(62, 60)), TABLE, longest=2,
                              penalty=1.0)
    assert pitch_bias(once, 60, 62, 59) == [-1.0, 0.0, 0.0]
    twice = filters.repetition(flat(), step("pitch", recent=(62, 60, 60)), TABLE, longest=2,
                               penalty=1.0)
    assert "PITCH_60" not in allowed(twice) and "PITCH_62" in allowed(twice)
    assert filters.repetition(flat(), step("dur", recent=(60, 60)), TABLE, longest=2,
                              penalty=1.0).max() == 0  # only pitches


def test_oscillation_bars_the_fifth_note_of_a_trill_only():
    trill = filters.oscillation(flat(), step("pitch", recent=(64, 65, 64, 65)), TABLE)
    assert allowed(trill) == allowed(flat()) - {"PITCH_64"}
    turn = filters.oscillation(flat(), step("pitch", recent=(64, 65, 64, 62)), TABLE)
    assert np.array_equal(turn, flat())


def test_contour_favours_steps_and_a_step_back_after_a_leap():
    plain = filters.contour(flat(), step("pitch", recent=(60,)), TABLE, step_bias=0.5,
                            recovery=1.5)
    assert pitch_bias(plain, 61, 62, 58, 60, 64, 67, 69, 72) == [0.5, 0.5, 0.5, 0, 0, 0,
                                                                 -0.5, 0]
    leapt = filters.contour(flat(), step("pitch", recent=(60, 67)), TABLE, step_bias=0.5,
                            recovery=1.5)
    back, on, further = pitch_bias(leapt, 65, 69, 72)
    assert back == 2.0 and on == 0.5 - 1.5 and further == -1.5
    small = filters.contour(flat(), step("pitch", recent=(60, 64)), TABLE, step_bias=0.5,
                            recovery=1.5)  # a third is no leap: no recovery asked
    assert pitch_bias(small, 62, 66) == [0.5, 0.5]


def test_cadence_holds_a_phrase_end_on_its_last_beats():
    def durations(logits):
        return [float(logits[ID[f"DUR_{d}"]]) for d in (6, 12, 24, 36)]

    end = step("dur", pos=24, beat=12, phrase_end=1.0)  # beat 3 of a 4/4 bar
    assert durations(filters.cadence(flat(), end, TABLE, bias=2.0)) == [-2, 0, 2, 0]
    half = step("dur", pos=24, beat=12, phrase_end=0.5)
    assert durations(filters.cadence(flat(), half, TABLE, bias=2.0)) == [-1, 0, 1, 0]
    for calm in (step("dur", pos=24, beat=12), step("dur", pos=30, beat=12, phrase_end=1.0),
                 step("dur", pos=0, beat=12, phrase_end=1.0)):  # inside, off the beat, early
        assert np.array_equal(filters.cadence(flat(), calm, TABLE, bias=2.0), flat())


def test_rhythm_holds_short_notes_to_their_share():
    def cost(notes, shorts):
        logits = filters.rhythm(flat(), step("dur", notes=notes, shorts=shorts), TABLE,
                                shortest=6, share=0.15, penalty=2.0)
        return [float(logits[ID[f"DUR_{d}"]]) for d in (3, 4, 6, 12)]

    assert cost(20, 3) == [0, 0, 0, 0]  # 15 %: a figure, not a flood
    assert cost(20, 4) == [-2, -2, 0, 0]
    assert cost(2, 1) == [0, 0, 0, 0]  # a first short note is no flood yet


def test_rhythm_brings_short_notes_up_to_their_target_in_the_second_half_of_a_beat():
    def gain(notes, shorts, pos):
        logits = filters.rhythm(flat(), step("dur", notes=notes, shorts=shorts, pos=pos),
                                TABLE, shortest=6, share=0.2, penalty=2.0, target=0.15,
                                bonus=1.5)
        return [float(logits[ID[f"DUR_{d}"]]) for d in (3, 6, 12)]

    assert gain(20, 1, 9) == [1.5, 0, 0]  # 5 % of 15 %: the sixteenth after the "and"
    assert gain(20, 1, 6) == [1.5, 0, 0]
    assert gain(20, 1, 0) == [0, 0, 0]  # on the beat: left to the network
    assert gain(20, 3, 9) == [0, 0, 0]  # at its target
    assert gain(4, 0, 9) == [0, 0, 0]  # too few notes to judge


def test_leading_tone_costs_more_outside_the_chord_that_holds_it():
    def cost(chord):
        logits = filters.leading_tone(flat(), step("pitch", chord_pcs=frozenset(chord)),
                                      TABLE, penalty=0.8)
        return [round(float(logits[ID[f"PITCH_{p}"]]), 3) for p in (71, 83, 72, 67)]

    assert cost({0, 4, 7}) == [-0.8, -0.8, 0, 0]  # B under C major
    assert cost({7, 11, 2}) == [-0.4, -0.4, 0, 0]  # B under G major: V's third
    assert filters.leading_tone(flat(), step("dur"), TABLE, penalty=0.8).tolist() == \
        flat().tolist()


def test_register_tilts_a_drifting_line_back_to_its_middle():
    def tilt(pitch_sum, notes, pull=0.1):
        logits = filters.register(flat(), step("pitch", notes=notes, pitch_sum=pitch_sum),
                                  TABLE, centre=66.0, pull=pull)
        return [round(v, 3) for v in pitch_bias(logits, 60, 66, 72)]

    assert tilt(3 * 70, 3) == [2.4, 0, -2.4]  # 4 semitones high: lower notes gain
    assert tilt(2 * 63, 2) == [-1.8, 0, 1.8]  # 3 low: higher notes gain
    assert tilt(20 * 80, 20) == tilt(20 * 72, 20)  # the drift counts up to 6 semitones
    assert tilt(4 * 66, 4) == [0, 0, 0]  # on the middle: left alone
    assert tilt(0, 0) == [0, 0, 0]  # before the first note
    assert tilt(3 * 70, 3, pull=0.0) == [0, 0, 0]
    assert filters.register(flat(), step("dur", notes=3, pitch_sum=210), TABLE, centre=66.0,
                            pull=0.1).tolist() == flat().tolist()


def test_sampler_steers_the_line_with_its_register_pull():
    """A fixed network leaning to the top of the range: with the pull, the line's mean comes
    down towards the middle of the range; without it, it stays high."""
    from models.core.grid import PITCH_RANGE
    from models.inference.sampler import MelodyModel

    class Leaning:  # a decoder whose logits favour high pitches, whatever came before
        context = 512

        def __init__(self):
            self.logits = np.zeros(len(TOKENIZER), np.float32)
            pitches = TABLE.family["PITCH"]
            self.logits[pitches] = 0.4 * (TABLE.value[pitches] - PITCH_RANGE[0])

        def new_cache(self):
            return type("Cache", (), {"length": 0})()

        def step(self, token, cache):
            cache.length += 1
            return self.logits

        def prefill(self, ids, cache):
            cache.length += len(ids)
            return self.logits

        def running(self):
            import contextlib
            return contextlib.nullcontext()

    from models.core.harmony import Chord
    from models.core.notes import Controls

    model = MelodyModel(Leaning(), {"arch": "fake", "step": 0}, TOKENIZER)
    controls = Controls(style="folk", mode="major", meter=(4, 4), tempo_bpm=100,
                        density=0.5, valence=0.0, arousal=0.0)
    chords = [Chord(0, "maj")] * 8

    def mean(pull):
        notes = model.generate(controls, chords, seed=3, pitch_range=(57, 75),
                               register_pull=pull)
        return sum(n.pitch for n in notes) / len(notes)

    assert mean(0.0) > 70 and abs(mean(0.1) - 66) < abs(mean(0.0) - 66) - 2
