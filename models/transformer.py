"""A decoder-only Transformer over melody tokens, with a key/value cache for sampling.

The whole network is in this file. Pre-norm blocks, learned absolute positions, tied input
and output embeddings, causal attention through `scaled_dot_product_attention`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class TransformerConfig:
    vocab_size: int
    context: int = 512
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 256
    dropout: float = 0.1


class KVCache:
    """Preallocated keys and values of every layer: (n_layer, B, n_head, context, head_dim)."""

    def __init__(self, config: TransformerConfig, batch: int, device, dtype=torch.float32):
        shape = (config.n_layer, batch, config.n_head, config.context,
                 config.n_embd // config.n_head)
        # never read beyond `length`, so left uninitialised (zeroing costs page faults)
        self.keys = torch.empty(shape, device=device, dtype=dtype)
        self.values = torch.empty(shape, device=device, dtype=dtype)
        self.length = 0  # positions filled so far


class SelfAttention(nn.Module):
    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.n_head = config.n_head
        self.qkv = nn.Linear(config.n_embd, 3 * config.n_embd)
        self.proj = nn.Linear(config.n_embd, config.n_embd)
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(self, x, cache: KVCache | None = None, layer: int = 0):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        # (B, T, C) → (B, n_head, T, head_dim)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        if cache is None:
            # no dropout on attention weights: it forces SDPA's slow path on CPU (2× slower)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            start = cache.length
            cache.keys[layer, :, :, start:start + T] = k
            cache.values[layer, :, :, start:start + T] = v
            k = cache.keys[layer, :, :, :start + T]
            v = cache.values[layer, :, :, :start + T]
            if T == 1:  # one new query sees every cached position
                y = F.scaled_dot_product_attention(q, k, v)
            else:  # a prompt: causal within itself, full view of what was cached before
                mask = torch.ones(T, start + T, dtype=torch.bool, device=x.device).tril(start)
                y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_dropout(self.proj(y))


class Block(nn.Module):
    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.attn = SelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        self.mlp = nn.Sequential(
            nn.Linear(config.n_embd, 4 * config.n_embd), nn.GELU(),
            nn.Linear(4 * config.n_embd, config.n_embd), nn.Dropout(config.dropout))

    def forward(self, x, cache: KVCache | None = None, layer: int = 0):
        x = x + self.attn(self.ln_1(x), cache, layer)
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.context, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd)
        self.head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.head.weight = self.wte.weight  # tied embeddings
        self.apply(self._init_weights)
        for name, parameter in self.named_parameters():
            if name.endswith("proj.weight") or name.endswith("mlp.2.weight"):
                # scaled init of residual projections (GPT-2)
                nn.init.normal_(parameter, 0.0, 0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module):
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, 0.0, 0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, 0.0, 0.02)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, idx, targets=None, cache: KVCache | None = None):
        """Logits (B, T, vocab) for ids (B, T); with targets also the mean cross-entropy.

        With a cache, `idx` continues the cached positions and the cache grows by T.
        """
        B, T = idx.shape
        start = cache.length if cache is not None else 0
        if start + T > self.config.context:
            raise ValueError(f"sequence of {start + T} exceeds the context {self.config.context}")
        positions = torch.arange(start, start + T, device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(positions))
        for layer, block in enumerate(self.blocks):
            x = block(x, cache, layer)
        if cache is not None:
            cache.length += T
        logits = self.head(self.ln_f(x))
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.float().view(-1, logits.size(-1)), targets.reshape(-1),
                               ignore_index=0)  # 0 = PAD
        return logits, loss

    def step(self, token: int, cache: KVCache) -> torch.Tensor:
        """Logits (vocab,) for one token appended to a batch-1 cache.

        The same computation as `forward` without module dispatch (about 20 % faster per
        token, which is most of the sampler's time); eval mode only.
        """
        C, H = self.config.n_embd, self.config.n_head
        pos = cache.length
        if pos + 1 > self.config.context:
            raise ValueError(f"sequence of {pos + 1} exceeds the context {self.config.context}")
        x = (self.wte.weight[token] + self.wpe.weight[pos]).view(1, 1, C)
        for layer, block in enumerate(self.blocks):
            h = F.layer_norm(x, (C,), block.ln_1.weight, block.ln_1.bias)
            qkv = F.linear(h, block.attn.qkv.weight, block.attn.qkv.bias)
            q, k, v = qkv.view(1, 3, H, 1, C // H).unbind(1)  # each (1, H, 1, head_dim)
            cache.keys[layer, :, :, pos:pos + 1] = k
            cache.values[layer, :, :, pos:pos + 1] = v
            y = F.scaled_dot_product_attention(q, cache.keys[layer, :, :, :pos + 1],
                                               cache.values[layer, :, :, :pos + 1])
            x = x + F.linear(y.view(1, 1, C), block.attn.proj.weight, block.attn.proj.bias)
            h = F.layer_norm(x, (C,), block.ln_2.weight, block.ln_2.bias)
            up, down = block.mlp[0], block.mlp[2]
            x = x + F.linear(F.gelu(F.linear(h, up.weight, up.bias)), down.weight, down.bias)
        cache.length += 1
        x = F.layer_norm(x, (C,), self.ln_f.weight, self.ln_f.bias)
        return F.linear(x, self.wte.weight).view(-1)

    def new_cache(self, batch: int = 1) -> KVCache:
        parameter = next(self.parameters())
        return KVCache(self.config, batch, parameter.device, parameter.dtype)
