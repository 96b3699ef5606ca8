"""The phrase VAE: a two-bar melody ↔ a latent vector, conditioned on chords and meter.

    encoder  tokens (B, T) + features (B, T, F) → per-step linear → conv/pool ×3
             → flatten (8 × 256) → MLP → μ, log σ² (B, Z)
    decoder  z (B, Z) → MLP → (8 × 256) → up ×2, conv → up ×2, conv (B, 128, T)
             + features projected per step → 3 residual dilated convs → logits (B, T, V)

T = models.inference.phrases.STEPS (32 sixteenths), F = FEATURES, V = VOCAB. The decoder is not
autoregressive: every step is predicted at once from z and the step's conditioning (its
chord, scale, meter and place in the bar), so decoding a whole piece is one batched pass.
This file holds the network for training (torch); models/inference/vae_numpy.py runs the
same weights without torch in the product.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from models.inference.phrases import FEATURES, PAD, PITCH_BASE, STEPS, VOCAB


@dataclass
class VAEConfig:
    vocab_size: int = VOCAB
    steps: int = STEPS
    features: int = FEATURES
    embd: int = 48  # token embedding
    width: int = 128  # channels at full time resolution (encoder input, decoder output)
    mid: int = 192  # channels at half resolution
    deep: int = 256  # channels at quarter resolution (T / 4 = 8 steps)
    hidden: int = 512  # the MLPs on either side of z
    z: int = 256
    dilations: tuple[int, ...] = (1, 2, 4)  # the decoder's residual convs


def _conv(cin: int, cout: int, dilation: int = 1) -> nn.Conv1d:
    return nn.Conv1d(cin, cout, 3, padding=dilation, dilation=dilation)


class PhraseVAE(nn.Module):
    def __init__(self, config: VAEConfig):
        super().__init__()
        self.config = c = config
        if c.steps % 4:
            raise ValueError(f"steps {c.steps} must be a multiple of 4 (two poolings)")
        quarter = c.steps // 4
        self.embed = nn.Embedding(c.vocab_size, c.embd)
        self.enc_in = nn.Linear(c.embd + c.features, c.width)
        self.enc_conv1 = _conv(c.width, c.width)
        self.enc_conv2 = _conv(c.width, c.mid)
        self.enc_conv3 = _conv(c.mid, c.deep)
        self.enc_fc = nn.Linear(c.deep * quarter, c.hidden)
        self.mu = nn.Linear(c.hidden, c.z)
        self.logvar = nn.Linear(c.hidden, c.z)
        self.dec_fc1 = nn.Linear(c.z, c.hidden)
        self.dec_fc2 = nn.Linear(c.hidden, c.deep * quarter)
        self.dec_conv1 = _conv(c.deep, c.mid)
        self.dec_conv2 = _conv(c.mid, c.width)
        self.dec_cond = nn.Linear(c.features, c.width)
        self.dec_blocks = nn.ModuleList(_conv(c.width, c.width, d) for d in c.dilations)
        self.head = nn.Linear(c.width, c.vocab_size)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def encode(self, tokens: torch.Tensor, feats: torch.Tensor):
        """tokens (B, T) int64, feats (B, T, F) → μ, log σ² (B, Z) each."""
        x = torch.cat([self.embed(tokens), feats], -1)  # (B, T, E + F)
        x = F.gelu(self.enc_in(x)).transpose(1, 2)  # (B, C, T)
        x = F.avg_pool1d(F.gelu(self.enc_conv1(x)), 2)  # (B, C, T/2)
        x = F.avg_pool1d(F.gelu(self.enc_conv2(x)), 2)  # (B, mid, T/4)
        x = F.gelu(self.enc_conv3(x))  # (B, deep, T/4)
        h = F.gelu(self.enc_fc(x.flatten(1)))  # (B, hidden)
        return self.mu(h), self.logvar(h)

    def decode(self, z: torch.Tensor, feats: torch.Tensor) -> torch.Tensor:
        """z (B, Z), feats (B, T, F) → logits (B, T, V) (PAD is never predicted)."""
        c = self.config
        h = self.dec_fc2(F.gelu(self.dec_fc1(z))).view(-1, c.deep, c.steps // 4)
        x = F.gelu(self.dec_conv1(F.interpolate(h, scale_factor=2)))  # (B, mid, T/2)
        x = self.dec_conv2(F.interpolate(x, scale_factor=2))  # (B, width, T)
        x = x + self.dec_cond(feats).transpose(1, 2)
        for conv in self.dec_blocks:
            x = x + conv(F.gelu(x))
        logits = self.head(F.gelu(x).transpose(1, 2))  # (B, T, V)
        return logits.index_fill(-1, torch.tensor([PAD], device=logits.device), float("-inf"))

    def forward(self, tokens: torch.Tensor, feats: torch.Tensor, sample: bool = True):
        """(logits (B, T, V), μ, log σ²); z is drawn from q(z | x) when `sample`."""
        mu, logvar = self.encode(tokens, feats)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if sample else mu
        return self.decode(z, feats), mu, logvar


def kl_per_dim(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(q(z|x) ‖ N(0, I)) per latent dimension, (B, Z), in nats."""
    return 0.5 * (mu.square() + logvar.exp() - 1 - logvar)


def loss_terms(model: PhraseVAE, tokens: torch.Tensor, feats: torch.Tensor,
               pitch_weight: float = 1.5):
    """(reconstruction nats per phrase (B,), KL nats per phrase (B,), logits).

    Note onsets (pitch tokens) weigh `pitch_weight` times a HOLD or REST: they are what a
    listener hears as the tune, and the minority of steps.
    """
    logits, mu, logvar = model(tokens, feats)
    nll = F.cross_entropy(logits.float().transpose(1, 2), tokens, reduction="none",
                          ignore_index=PAD)  # (B, T)
    weight = torch.where(tokens >= PITCH_BASE, pitch_weight, 1.0)
    return (nll * weight).sum(1), kl_per_dim(mu.float(), logvar.float()).sum(1), logits
