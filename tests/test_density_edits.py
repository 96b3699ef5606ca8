"""'Busier' and 'sparser' change what the melody model hears, or the accompaniment where the
melody's band cannot move, or say why neither can."""

import pytest

from generation.job import Changes
from generation.music.revise import revise
from generation.music.spec import make_spec
from models.core.errors import RequestError
from models.inference import density_of
from tests.test_plan import request


@pytest.mark.parametrize("tempo", [60, 90, 120, 155, 200])
@pytest.mark.parametrize("mood", ["calm", "energetic", "sad", "happy"])
@pytest.mark.parametrize("step", [0.15, -0.15])
def test_a_texture_edit_is_heard_or_refused_with_the_reason(tempo, mood, step):
    spec = make_spec(request(style="pop", key="C major", tempo=tempo, mood=mood,
                             stated=("key", "tempo")), seed=1)
    before = density_of(spec.density, spec.model_tempo or spec.tempo_bpm)
    try:
        edited = revise(spec, Changes(density=step))
    except RequestError as error:
        assert ("busy" if step > 0 else "sparse") in str(error) and "bpm" in str(error)
        return
    after = density_of(edited.density, edited.model_tempo or edited.tempo_bpm)
    way = 1 if step > 0 else -1
    assert (after - before) * way > 0 or (edited.texture - spec.texture) * way > 0
    assert after == before or edited.texture == spec.texture  # one move an edit


def _played(spec, role):
    """The notes the part of `role` plays in `spec`'s arrangement, and their count a bar."""
    from generation.music.arrange import arrange
    from generation.music.plan import make_plan
    from models.inference import Note

    plan = make_plan(spec)
    melody = [Note(pitch=72, start=float(b * 4), duration=4.0, velocity=80)
              for b in range(plan.bars)]
    midi = arrange(spec, plan, melody)
    names = [p.instrument for p in spec.parts if p.role == role]
    return sum(len(t.notes) for t in midi.instruments
               if t.name.split(" (")[0] in names and (t.is_drum == (role == "drums")))


@pytest.mark.parametrize("style", ["pop", "rock", "folk", "jazz", "classical", "lofi"])
def test_the_accompaniment_texture_thins_and_fills_the_comping_and_drums(style):
    from dataclasses import replace

    spec = make_spec(request(style=style, key="C major", tempo=100, mood="calm",
                             stated=("key", "tempo")), seed=2)
    for role in ("comp", "drums"):
        if spec.part(role) is None:
            continue
        sparse, plain, busy = (_played(replace(spec, texture=t), role) for t in (-1, 0, 1))
        assert sparse <= plain < busy, (role, sparse, plain, busy)
        if role == "drums" or spec.profile.comp_pattern != "pad":
            assert sparse < plain, (role, sparse, plain)


def test_busier_after_an_accompaniment_thinned_brings_it_back_first():
    from dataclasses import replace

    spec = make_spec(request(style="pop", key="C major", tempo=120, mood="calm",
                             stated=("key", "tempo")), seed=1)
    thinned = replace(spec, texture=-1)
    edited = revise(thinned, Changes(density=0.15))
    assert edited.texture == 0 and edited.density == thinned.density
