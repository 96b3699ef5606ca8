"""Draft choice in the composer: the critic orders the drafts, key-finding still decides."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from generation import composer as composer_module
from generation.composer import Composer
from generation.job import Request
from generation.music.arrange import arrange
from generation.music.keyfind import estimate_key, key_agrees
from generation.music.melody import MelodyWriter
from generation.music.plan import make_plan
from generation.music.spec import make_spec
from generation.settings import Settings


class PitchCritic:
    """Prefers higher melodies: a critic whose choice the test can predict."""

    def melody_score(self, bars, style, mode):
        return float(np.mean([p for bar in bars for _, _, p in bar.notes] or [0]))


def request(style, key):
    return Request(text=f"calm {style}", mood="calm", moods=("calm",), style=style,
                   tempo_bpm=110, key=key, meter="4/4", instruments=("piano",),
                   duration_s=14.0, bars=None, stated=("key",), notes=())


@pytest.fixture(scope="module")
def composer(composer):
    """A Composer of its own (the default settings, a pitch critic) around the shared model."""
    built = Composer(Settings(), model=composer.model)
    built._critic = PitchCritic()
    return built


def draft_facts(composer, spec, variant):
    """(critic score, sounds exactly in key, key correlation) of one draft on its own."""
    draft = replace(spec, variant=variant)
    plan = make_plan(draft)
    melody = MelodyWriter(composer.model).write(draft, plan)
    found = estimate_key(arrange(draft, plan, melody))
    exact, _ = key_agrees(draft.key, found)
    score = composer_module.draft_score(composer.critic, draft, plan, melody)
    return score, exact, found.correlation if found.tonic == draft.tonic else -1.0


@pytest.mark.slow
def test_the_highest_scored_draft_in_key_is_kept(composer):
    changed = 0
    for seed, (style, key) in enumerate([("folk", "G major"), ("celtic", "D dorian"),
                                         ("classical", "A minor"), ("pop", "F major")]):
        spec = make_spec(request(style, key), seed=seed)
        facts = [draft_facts(composer, spec, spec.variant + k) for k in range(3)]
        chosen, _, _ = composer.compose_midi(spec, None, {}, drafts=3)
        in_key = [k for k, (_, exact, _) in enumerate(facts) if exact]
        if in_key:
            expected = max(in_key, key=lambda k: facts[k][0])
            first = in_key[0]  # what key-finding alone kept
        else:
            expected = first = max(range(3), key=lambda k: facts[k][2])
        assert chosen.variant - spec.variant == expected
        changed += expected != first
    assert changed >= 1  # the critic changed at least one choice


def test_a_draft_in_the_wrong_key_loses_to_a_lower_scored_one_in_key(composer, monkeypatch):
    spec = make_spec(request("folk", "G major"), seed=11)
    scores = [draft_facts(composer, spec, spec.variant + k)[0] for k in range(3)]
    verdicts = iter([False, True, True])  # the best-scored draft is judged out of key

    def judged(asked, found):
        return next(verdicts), None

    monkeypatch.setattr(composer_module, "key_agrees", judged)
    chosen, _, _ = composer.compose_midi(spec, None, {}, drafts=3)
    second = sorted(range(3), key=lambda k: -scores[k])[1]
    assert chosen.variant - spec.variant == second


def test_an_edit_keeps_its_one_draft_and_asks_no_critic(composer):
    spec = make_spec(request("folk", "G major"), seed=4)
    timings = {}
    chosen, _, _ = composer.compose_midi(spec, None, timings, drafts=1)
    assert chosen.variant == spec.variant and "critic" not in timings


def test_a_draft_costs_its_distance_from_the_collections_share_of_sixteenths():
    from models.inference import Note

    spec = make_spec(request("folk", "C major"), 1)  # Essen: 15 % short notes
    eighths = [Note(60, i / 2, 0.5, 80) for i in range(21)]
    figures = [Note(60, start, 0.25, 80) for start in (0.0, 0.25, 0.5, 0.75)] + \
        [Note(60, 1.25 + i / 2, 0.5, 80) for i in range(17)]  # 3 of 20 onsets 0.25 apart
    assert composer_module.rhythm_miss(spec, eighths) == pytest.approx(0.15)
    assert composer_module.rhythm_miss(spec, figures) == pytest.approx(0.0)
    classical = make_spec(request("classical", "C major"), 1)  # chorale sopranos: none
    assert composer_module.rhythm_miss(classical, figures) == pytest.approx(0.15)


def test_one_seed_writes_another_melody_in_another_style_and_the_same_in_another_mood():
    folk, pop = make_spec(request("folk", "C major"), 5), make_spec(request("pop", "C major"), 5)
    sad = make_spec(replace(request("folk", "C minor"), mood="sad", moods=("sad",)), 5)
    assert folk.melody_seed != pop.melody_seed
    assert folk.melody_seed == sad.melody_seed
