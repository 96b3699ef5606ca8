"""Pretraining the critic (`tunesmith train critic`): corpus phrases against the melody
model's, written as the GAN writes them (models/training/gan.py's rollouts).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from models.core.tokenizer import Tokenizer
from models.inference import critic
from models.inference.sampler import MelodyModel
from models.networks import critic_net
from models.training import gan

log = logging.getLogger(__name__)


def train_critic(cache_dir: Path, out: Path = critic.WEIGHTS, phrases: int = 1600,
                 epochs: int = 6, seed: int = 0, generator: Path | None = None) -> dict:
    """Pretrain the critic: train-split phrases against the generator's, then held-out accuracy.

    The generator (default: the shipped melody model) writes one phrase per real excerpt
    under its controls and chords; the valid split's excerpts measure the critic.
    """
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    config = gan.GanConfig(seed=seed)
    tokenizer = Tokenizer()
    base = MelodyModel.load(generator)
    model = gan.RolloutModel(base.network, base.meta, tokenizer, config.top_p)
    began = time.time()
    train_set = gan.excerpts(cache_dir, "train", config.bars, seed, phrases)
    valid_set = gan.excerpts(cache_dir, "valid", config.bars, seed, 300)
    fakes = gan.encode_rollouts(gan.rollouts_for(model, train_set, seed, config))
    reals = [critic.encode(bars, h.style, h.mode) for h, bars in train_set]
    valid_fakes = gan.encode_rollouts(gan.rollouts_for(model, valid_set, 10_000 + seed, config))
    valid_reals = [critic.encode(bars, h.style, h.mode) for h, bars in valid_set]
    sampled_s = time.time() - began
    net = critic_net.build()
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-2)
    rng = np.random.default_rng(seed)
    for epoch in range(epochs):
        net.train()
        for chunk in np.array_split(rng.permutation(len(reals)), max(1, len(reals) // 64)):
            loss, _ = critic_net.critic_loss(net, [reals[i] for i in chunk],
                                             [fakes[i] for i in chunk])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        accuracy = critic_accuracy(net, valid_reals, valid_fakes)
        log.info("critic epoch %d loss %.3f valid accuracy %.3f", epoch, loss.item(), accuracy)
    result = {"phrases": len(reals), "epochs": epochs, "valid_accuracy": accuracy,
              "valid_phrases": 2 * len(valid_reals), "sampling_s": round(sampled_s, 1),
              "minutes": round((time.time() - began) / 60, 2), "generator": base.version}
    critic_net.save(net.eval(), out, metrics=result, command="tunesmith train critic")
    return result


def critic_accuracy(net, reals, fakes) -> float:
    """Share of real phrases scored > 0 and generated ones ≤ 0."""
    import torch

    net.eval()
    with torch.no_grad():
        _, logits = critic_net.critic_loss(net, reals, fakes)
    right = np.concatenate([logits[: len(reals)].numpy() > 0, logits[len(reals):].numpy() <= 0])
    return float(right.mean())
