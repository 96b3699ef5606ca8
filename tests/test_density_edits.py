"""'Busier' and 'sparser' change what the melody model hears, or say why they cannot."""

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
    assert (after > before) if step > 0 else (after < before)
