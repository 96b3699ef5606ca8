"""The critic in torch, to train: the network `NumpyCritic` (models/inference/critic.py)
mirrors, its loss, and its checkpoints. The note encoding lives with `NumpyCritic`.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from models.inference.critic import (
    PAD,
    SUMMARY,
    TABLE_SIZE,
    WEIGHTS,
    CriticConfig,
    Encoded,
    config_of,
    fields_hash,
    read_meta,
    stack,
)


def build(config: CriticConfig | None = None):
    """A fresh torch `Critic` (imported here so that the numpy path never imports torch)."""
    import torch
    from torch import nn

    config = config or CriticConfig()

    class Critic(nn.Module):
        """Phrase batch → logits (B,); the layers `NumpyCritic` mirrors."""

        def __init__(self):
            super().__init__()
            self.config = config
            self.embed = nn.Embedding(TABLE_SIZE, config.embd, padding_idx=PAD)
            self.convs = nn.ModuleList(nn.Conv1d(config.embd, config.channels, k)
                                       for k in config.widths)
            pooled = 2 * config.channels * len(config.widths) + SUMMARY
            self.hidden = nn.Linear(pooled, config.hidden)
            self.out = nn.Linear(config.hidden, 1)
            self.drop = nn.Dropout(config.dropout)

        def forward(self, notes, context, summary, lengths):
            B, N, _ = notes.shape
            mask = (torch.arange(N)[None, :] < lengths[:, None]).float()  # (B, N)
            x = self.embed(notes).sum(2) + self.embed(context).sum(1)[:, None]  # (B, N, E)
            x = (x * mask[..., None]).transpose(1, 2)  # (B, E, N), padding zeroed
            x = nn.functional.pad(x, (0, max(config.widths) - 1))  # room for the widest
            pooled = []
            for conv in self.convs:
                # (B, C, N): the window starting at each note; only real notes' windows count
                y = torch.relu(conv(x)[:, :, :N]) * mask[:, None]
                pooled += [y.amax(2), y.sum(2) / lengths.clamp(min=1)[:, None]]
            h = torch.cat(pooled + [summary], 1)  # (B, 2·C·widths + 3)
            return self.out(self.drop(torch.relu(self.hidden(self.drop(h))))).squeeze(1)

    return Critic()


def as_tensors(batch):
    """`stack`'s numpy arrays as torch tensors."""
    import torch

    return tuple(torch.from_numpy(a) for a in batch)


def save(critic, path: Path = WEIGHTS, **extra) -> None:
    """`path`.safetensors (float32; the critic is 0.1 M parameters) and `path`.json."""
    from safetensors.torch import save_model

    path = Path(path).with_suffix("")
    path.parent.mkdir(parents=True, exist_ok=True)
    save_model(critic, str(path.with_suffix(".safetensors")))
    meta = {"arch": "critic", "config": asdict(critic.config), "fields": fields_hash(), **extra}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")


def load_torch(path: Path = WEIGHTS):
    """The torch critic stored at `path` and its meta (to continue training it)."""
    from safetensors.torch import load_model

    meta = read_meta(path)
    critic = build(config_of(meta))
    load_model(critic, str(Path(path).with_suffix(".safetensors")))
    return critic, meta


def critic_loss(model, real: list[Encoded], fake: list[Encoded]):
    """Binary cross-entropy: real phrases labelled 1, generated ones 0."""
    import torch
    from torch.nn import functional as F

    logits = model(*as_tensors(stack(real + fake)))
    labels = torch.cat([torch.ones(len(real)), torch.zeros(len(fake))])
    return F.binary_cross_entropy_with_logits(logits, labels), logits.detach()
