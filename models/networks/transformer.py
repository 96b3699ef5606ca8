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
    """The network's shape; stored beside the weights in every checkpoint.

    The defaults are the shipped model's (reports/model.md).
    """

    vocab_size: int  # len(Tokenizer()), the checkpoint records it; id 0 is PAD
    context: int = 512  # most positions (tokens) one sequence may hold: the wpe table's size
    n_layer: int = 4  # Transformer blocks
    n_head: int = 4  # attention heads per block; head_dim = n_embd // n_head = 64
    n_embd: int = 256  # width C of the residual stream (and of both embeddings)
    dropout: float = 0.1  # on embeddings, attention output and MLP output; not attention weights


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
    """Causal multi-head self-attention; with a `KVCache`, over the cached positions too."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.n_head = config.n_head
        self.qkv = nn.Linear(config.n_embd, 3 * config.n_embd)  # q, k, v in one matmul: C → 3C
        self.proj = nn.Linear(config.n_embd, config.n_embd)  # heads concatenated back: C → C
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(self, x, cache: KVCache | None = None, layer: int = 0):
        """(B, T, C) → (B, T, C); `layer` picks this block's slice of the cache."""
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)  # each (B, T, C)
        # (B, T, C) → (B, n_head, T, head_dim)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        if cache is None:  # training and scoring: the whole sequence at once
            # no dropout on attention weights: it forces SDPA's slow path on CPU (2× slower)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            start = cache.length  # positions already cached; the new ones are start..start+T-1
            # write this call's keys and values, then attend over everything cached so far
            cache.keys[layer, :, :, start:start + T] = k
            cache.values[layer, :, :, start:start + T] = v
            k = cache.keys[layer, :, :, :start + T]
            v = cache.values[layer, :, :, :start + T]  # k, v: (B, n_head, start + T, head_dim)
            if T == 1:  # one new query sees every cached position
                y = F.scaled_dot_product_attention(q, k, v)
            else:  # a prompt: causal within itself, full view of what was cached before
                # (T, start + T), True = may attend: query i sees keys 0..start + i
                mask = torch.ones(T, start + T, dtype=torch.bool, device=x.device).tril(start)
                y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # heads side by side again
        return self.resid_dropout(self.proj(y))


class Block(nn.Module):
    """One pre-norm block: x + attention(LN(x)), then x + MLP(LN(x)); (B, T, C) in and out."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.attn = SelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        # C → 4C → C, as GPT-2; `step` reaches into mlp[0] and mlp[2] by index
        self.mlp = nn.Sequential(
            nn.Linear(config.n_embd, 4 * config.n_embd), nn.GELU(),
            nn.Linear(4 * config.n_embd, config.n_embd), nn.Dropout(config.dropout))

    def forward(self, x, cache: KVCache | None = None, layer: int = 0):
        x = x + self.attn(self.ln_1(x), cache, layer)
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    """Token ids (B, T) → next-token logits (B, T, vocab); see `forward` and `step`."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)  # token embedding (vocab, C)
        self.wpe = nn.Embedding(config.context, config.n_embd)  # learned positions (context, C)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd)
        self.head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        # tied embeddings: one (vocab, C) matrix reads tokens in and scores them out, which
        # saves vocab × C parameters (GPT-2, nanoGPT)
        self.head.weight = self.wte.weight
        self.apply(self._init_weights)
        for name, parameter in self.named_parameters():
            if name.endswith("proj.weight") or name.endswith("mlp.2.weight"):
                # scaled init of residual projections (GPT-2): the 2 * n_layer outputs added to
                # the residual stream then sum to about the size of one unscaled output
                nn.init.normal_(parameter, 0.0, 0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module):
        """N(0, 0.02) weights and zero biases, as GPT-2; LayerNorms keep PyTorch's (1, 0)."""
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
        start = cache.length if cache is not None else 0  # position of idx[:, 0]
        if start + T > self.config.context:
            raise ValueError(f"sequence of {start + T} exceeds the context {self.config.context}")
        positions = torch.arange(start, start + T, device=idx.device)  # (T,)
        x = self.drop(self.wte(idx) + self.wpe(positions))  # (B, T, C); positions broadcast
        for layer, block in enumerate(self.blocks):
            x = block(x, cache, layer)
        if cache is not None:  # every layer has written its T positions
            cache.length += T
        logits = self.head(self.ln_f(x))  # (B, T, vocab)
        if targets is None:
            return logits, None
        # float(): under bf16 autocast the logits are bf16; the loss is taken in float32
        loss = F.cross_entropy(logits.float().view(-1, logits.size(-1)), targets.reshape(-1),
                               ignore_index=0)  # 0 = PAD
        return logits, loss

    def step(self, token: int, cache: KVCache) -> torch.Tensor:
        """Logits (vocab,) for one token appended to a batch-1 cache.

        The same computation as `forward` without module dispatch (about 20 % faster per
        token, which is most of the sampler's time); eval mode only.
        """
        C, H = self.config.n_embd, self.config.n_head
        pos = cache.length  # the new token's position
        if pos + 1 > self.config.context:
            raise ValueError(f"sequence of {pos + 1} exceeds the context {self.config.context}")
        x = (self.wte.weight[token] + self.wpe.weight[pos]).view(1, 1, C)  # (B=1, T=1, C)
        for layer, block in enumerate(self.blocks):
            # attention: LayerNorm, q/k/v, append k/v to the cache, attend, project, add
            h = F.layer_norm(x, (C,), block.ln_1.weight, block.ln_1.bias)
            qkv = F.linear(h, block.attn.qkv.weight, block.attn.qkv.bias)  # (1, 1, 3C)
            q, k, v = qkv.view(1, 3, H, 1, C // H).unbind(1)  # each (1, H, 1, head_dim)
            cache.keys[layer, :, :, pos:pos + 1] = k
            cache.values[layer, :, :, pos:pos + 1] = v
            # no mask: the one query may see every cached position (y: (1, H, 1, head_dim))
            y = F.scaled_dot_product_attention(q, cache.keys[layer, :, :, :pos + 1],
                                               cache.values[layer, :, :, :pos + 1])
            x = x + F.linear(y.view(1, 1, C), block.attn.proj.weight, block.attn.proj.bias)
            # MLP: LayerNorm, C → 4C, GELU, 4C → C, add (dropout is off in eval mode)
            h = F.layer_norm(x, (C,), block.ln_2.weight, block.ln_2.bias)
            up, down = block.mlp[0], block.mlp[2]
            x = x + F.linear(F.gelu(F.linear(h, up.weight, up.bias)), down.weight, down.bias)
        cache.length += 1
        x = F.layer_norm(x, (C,), self.ln_f.weight, self.ln_f.bias)
        return F.linear(x, self.wte.weight).view(-1)  # the tied head: (1, 1, C) → (vocab,)

    def new_cache(self, batch: int = 1) -> KVCache:
        """An empty cache on the weights' device, in their dtype."""
        parameter = next(self.parameters())
        return KVCache(self.config, batch, parameter.device, parameter.dtype)
