"""The critic: note encoding, torch vs numpy logits, checkpoints, and that it can learn."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from models.core.errors import ModelError
from models.core.grid import Bar
from models.core.harmony import Chord
from models.inference import critic
from models.networks import critic_net


def phrase(pitches, meter="4/4", length=48, step=12):
    """Bars of quarter notes (or `step`-tick notes) of the given pitches, 4 per bar."""
    bars = []
    for i in range(0, len(pitches), length // step):
        chunk = pitches[i:i + length // step]
        bars.append(Bar(meter, length, tuple((j * step, step, p) for j, p in enumerate(chunk)),
                        Chord(i % 12, "maj")))
    return bars


def random_phrases(count, seed=0):
    rng = np.random.default_rng(seed)
    return [critic.encode(phrase(list(rng.integers(50, 80, size=int(rng.integers(0, 20))))),
                          "essen", "major") for _ in range(count)]


def test_encoding_reads_each_note_once_in_range():
    encoded = critic.encode(phrase([60, 64, 67, 72, 71]), "bach", "minor")
    assert encoded.notes.shape == (5, len(critic.NOTE_FIELDS))
    assert (encoded.notes >= 0).all() and (encoded.notes < critic.PAD).all()
    # the second bar's chord is rooted on 4 (E): its first note, 71 (B), is a fifth above
    assert encoded.notes[4, 1] - critic._OFFSETS[1] == (71 - 4) % 12
    assert encoded.summary[0] == pytest.approx(5 / 2 / 8)
    empty = critic.encode([Bar("3/4", 36, (), Chord(0, "min"))], "essen", "major")
    assert empty.notes.shape == (0, len(critic.NOTE_FIELDS)) and empty.summary[1] == 1.0


def test_numpy_critic_gives_the_logits_torch_gives():
    torch.manual_seed(0)
    net = critic_net.build().eval()
    batch = critic.stack(random_phrases(9))
    with torch.no_grad():
        expected = net(*critic_net.as_tensors(batch)).numpy()
    got = critic.NumpyCritic.from_torch(net).logits(*batch)
    assert got.shape == (9,)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    # padding does not change a phrase's logit: alone or beside a longer one
    alone = critic.NumpyCritic.from_torch(net).logits(*critic.stack(random_phrases(9)[:1]))
    assert alone[0] == pytest.approx(got[0], abs=1e-5)


def test_checkpoint_round_trip_and_refusal(tmp_path):
    net = critic_net.build().eval()
    critic_net.save(net, tmp_path / "critic", metrics={"valid_accuracy": 0.7})
    loaded = critic.NumpyCritic.load(tmp_path / "critic")
    batch = critic.stack(random_phrases(3))
    np.testing.assert_allclose(loaded.logits(*batch),
                               critic.NumpyCritic.from_torch(net).logits(*batch), atol=1e-6)
    meta = json.loads((tmp_path / "critic.json").read_text())
    meta["fields"] = "0" * 16
    (tmp_path / "critic.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="other note fields"):
        critic.NumpyCritic.load(tmp_path / "critic")
    with pytest.raises(ModelError, match="no critic"):
        critic.NumpyCritic.load(tmp_path / "missing")


def test_the_critic_learns_to_tell_stepwise_tunes_from_leaping_ones():
    from models.networks.critic_net import critic_loss
    from models.training.critic_train import critic_accuracy

    rng = np.random.default_rng(1)

    def tunes(leap, count):
        """Stepwise walks (leap 1) or zigzags of 7-12 semitones around 66 (leap 7)."""
        out = []
        for _ in range(count):
            if leap == 1:
                pitches = np.clip(64 + np.cumsum(rng.choice([-2, -1, 1, 2], size=12)), 55, 80)
            else:
                pitches = 66 + np.array([1, -1] * 6) * rng.integers(4, 7, size=12)
            out.append(critic.encode(phrase(list(pitches)), "essen", "major"))
        return out

    torch.manual_seed(0)
    net = critic_net.build()
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    real, fake = tunes(1, 64), tunes(7, 64)
    before = critic_accuracy(net, tunes(1, 50), tunes(7, 50))
    for _ in range(30):
        net.train()
        loss, _ = critic_loss(net, real, fake)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    after = critic_accuracy(net, tunes(1, 50), tunes(7, 50))
    assert after >= 0.9 > before or after >= 0.95
    scores = critic.NumpyCritic.from_torch(net.eval()).score(
        [(phrase([60, 62, 64, 65, 67, 65, 64, 62]), "essen", "major"),
         (phrase([71, 61, 72, 60, 70, 62, 71, 60]), "essen", "major")])
    assert scores[0] > scores[1]


def test_melody_score_averages_whole_phrases():
    net = critic.NumpyCritic.from_torch(critic_net.build().eval())
    bars = phrase(list(range(60, 92)))  # 8 bars: two phrases
    halves = net.score([(bars[:4], "oneill", "dorian"), (bars[4:], "oneill", "dorian")])
    assert net.melody_score(bars, "oneill", "dorian") == pytest.approx(halves.mean(), abs=1e-6)
    assert [len(p) for p in critic.phrases_of(bars[:6])] == [4, 2]
