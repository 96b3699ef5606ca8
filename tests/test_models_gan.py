"""Adversarial fine-tuning: recorded rollouts, the KL penalty, and that a step follows reward."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.core.harmony import Chord
from models.core.tokenizer import Header, Tokenizer
from models.networks import torch_checkpoint
from models.training import gan

HEADER = Header("essen", "major", "4/4", "medium", 2)
CHORDS = [Chord(0, "maj"), Chord(7, "maj")]
CONFIG = gan.GanConfig(pitch_range=(48, 90))


def tiny_policy(seed=0):
    torch.manual_seed(seed)
    config = {"vocab_size": len(Tokenizer()), "context": 128, "n_layer": 1, "n_head": 2,
              "n_embd": 32, "dropout": 0.0}
    return torch_checkpoint.build_model("transformer", config).eval()


def sampler(policy):
    return gan.RolloutModel(gan.numpy_twin(policy), {"arch": "transformer", "step": 0},
                            Tokenizer(), CONFIG.top_p)


def test_a_rollout_records_every_sampled_token_and_what_the_filters_allowed():
    tokenizer = Tokenizer()
    model = sampler(tiny_policy())
    rollout = model.rollout(HEADER, CHORDS, seed=3, config=CONFIG)
    assert len(rollout.positions) == len(rollout.offsets) > 0
    kinds = {tokenizer.kind(t) for t in rollout.tokens}
    assert kinds <= {"POS", "PITCH", "DUR", "BAR"} and "PITCH" in kinds
    for token, offset in zip(rollout.tokens, rollout.offsets, strict=True):
        assert offset[token] > gan.BARRED  # what was drawn was allowed
        assert (offset <= gan.BARRED).any()  # and the filters barred something
    # the decoded bars are the notes the sampler wrote, under the chords asked for
    assert [b.chord for b in rollout.bars] == CHORDS
    notes = model.sample(HEADER, CHORDS, seed=3, sections=["A", "A"], top_p=CONFIG.top_p,
                         pitch_range=CONFIG.pitch_range)
    assert [p for b in rollout.bars for _, _, p in b.notes] == [n.pitch for n in notes]


def test_the_kl_penalty_is_zero_against_itself_and_grows_as_the_policy_moves():
    base = tiny_policy()
    rollouts = [sampler(base).rollout(HEADER, CHORDS, seed=s, config=CONFIG) for s in range(4)]
    advantages = np.zeros(4)
    _, kl_same, _ = gan.policy_loss(tiny_policy(), base, rollouts, advantages, beta=1.0)
    assert kl_same == pytest.approx(0.0, abs=1e-6)
    moved = tiny_policy()
    with torch.no_grad():
        moved.wte.weight.add_(0.5 * torch.randn_like(moved.wte.weight))
    loss, kl_moved, _ = gan.policy_loss(moved, base, rollouts, advantages, beta=1.0)
    assert kl_moved > 1e-3
    assert loss.item() == pytest.approx(kl_moved, rel=1e-4)  # zero advantages: KL alone


def mean_pitch(policy, seeds):
    model = sampler(policy)
    pitches = [p for s in seeds for b in model.rollout(HEADER, CHORDS, s, CONFIG).bars
               for _, _, p in b.notes]
    return float(np.mean(pitches))


def fine_tune(beta, steps=25):
    """REINFORCE against a reward for high notes; returns (policy, KL to base at the end)."""
    base, policy = tiny_policy(), tiny_policy()
    optimizer = torch.optim.Adam(policy.parameters(), lr=2e-2)
    kl = 0.0
    for step in range(steps):
        model = sampler(policy)
        rollouts = [model.rollout(HEADER, CHORDS, 100 * step + i, CONFIG) for i in range(12)]
        rewards = np.array([np.mean([p for b in r.bars for _, _, p in b.notes] or [0])
                            for r in rollouts])
        loss, kl, _ = gan.policy_loss(policy, base, rollouts, gan.advantages_of(rewards), beta)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return policy, kl


def test_a_policy_gradient_step_moves_the_samples_toward_the_reward():
    seeds = range(5000, 5030)
    before = mean_pitch(tiny_policy(), seeds)
    tuned, kl_free = fine_tune(beta=0.0)
    assert mean_pitch(tuned, seeds) > before + 3  # semitones higher on the same seeds
    _, kl_held = fine_tune(beta=2.0)
    assert kl_held < kl_free  # the penalty keeps the policy nearer the base


def test_advantages_have_zero_mean_and_unit_spread():
    advantages = gan.advantages_of(np.array([1.0, 2.0, 3.0, 6.0]))
    assert advantages.mean() == pytest.approx(0.0, abs=1e-9)
    assert advantages.std() == pytest.approx(1.0, abs=1e-5)
    assert np.argmax(advantages) == 3


def measures(two_sample, reranked, nll, grams, pcs, rhythm):
    return {"two_sample": two_sample, "two_sample_reranked": reranked, "nll": nll,
            "diversity": {"distinct_4grams": grams, "pitch_class_spread": pcs,
                          "rhythm_spread": rhythm}}


def test_the_gates_ship_only_a_generator_better_on_every_count():
    from models.evaluation.evaluate import gates

    base = measures(0.62, 0.60, 0.70, 0.50, 3.0, 4.0)
    assert gates(base, measures(0.58, 0.57, 0.71, 0.49, 2.9, 3.9))["ship"]
    # each failure alone stops it: equal accuracy, NLL 4 % worse, 4-grams at 90 %
    for tuned, failed in [(measures(0.62, 0.57, 0.70, 0.5, 3.0, 4.0), "two_sample"),
                          (measures(0.58, 0.61, 0.70, 0.5, 3.0, 4.0), "two_sample_reranked"),
                          (measures(0.58, 0.57, 0.728, 0.5, 3.0, 4.0), "nll"),
                          (measures(0.58, 0.57, 0.70, 0.45, 3.0, 4.0), "distinct_4grams"),
                          (measures(0.58, 0.57, 0.70, 0.5, 2.8, 4.0), "pitch_class_spread"),
                          (measures(0.58, 0.57, 0.70, 0.5, 3.0, 3.7), "rhythm_spread")]:
        verdict = gates(base, tuned)
        assert not verdict["ship"]
        assert [name for name, c in verdict["checks"].items() if not c["passed"]] == [failed]


def test_diversity_falls_when_a_generator_repeats_itself():
    from models.core.grid import Bar
    from models.evaluation.metrics import diversity

    rng = np.random.default_rng(0)

    def melody(pitches):
        return [Bar("4/4", 48, tuple((12 * j, 12, int(p)) for j, p in enumerate(pitches[i:i + 4])),
                    Chord(0, "maj")) for i in range(0, 16, 4)]

    varied = [melody(rng.integers(55, 80, size=16)) for _ in range(40)]
    stuck = [melody([60, 62, 64, 65] * 4) for _ in range(40)]
    assert diversity(stuck)["distinct_4grams"] < 0.1 < diversity(varied)["distinct_4grams"]
    assert diversity(stuck)["pitch_class_spread"] < diversity(varied)["pitch_class_spread"]


def test_the_real_phrase_term_is_the_cross_entropy_of_the_excerpts_as_fed():
    from models.core.grid import Bar

    tokenizer = Tokenizer()
    policy = tiny_policy()
    bars = [Bar("4/4", 48, ((0, 12, 60), (12, 36, 64)), CHORDS[0]),
            Bar("4/4", 48, ((0, 48, 67),), CHORDS[1])]
    loss = gan.real_loss(policy, tokenizer, [(HEADER, bars)])
    ids = tokenizer.ids(HEADER.tokens() + tokenizer.bar_tokens(bars[0], 0, None, False)
                        + tokenizer.bar_tokens(bars[1], 1, None, False))
    with torch.no_grad():
        logits, _ = policy(torch.tensor([ids[:-1]]))
    expected = torch.nn.functional.cross_entropy(logits[0], torch.tensor(ids[1:]))
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    assert tokenizer.decode(ids)[1] == bars  # the same bars a rollout would decode
