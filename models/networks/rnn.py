"""LSTM and GRU baselines over the same tokens, with the Transformer's interface.

`forward(idx, targets, cache)` matches models/networks/transformer.py; the "cache" of a recurrent
network is its hidden state, so the sampler drives all three architectures the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class RNNConfig:
    """The network's shape; stored beside the weights in every checkpoint."""

    vocab_size: int  # len(Tokenizer()); id 0 is PAD
    cell: str = "lstm"  # 'lstm' | 'gru'
    context: int = 512  # training sequence length (a recurrent net has no hard limit)
    n_layer: int = 2  # stacked recurrent layers
    n_embd: int = 256  # embedding width = hidden size (they must match for the tied head)
    dropout: float = 0.1  # on the embeddings, between stacked layers, and before the head


class RNNState:
    """The hidden state carried between calls, and how many positions it has seen."""

    def __init__(self):
        # None until the first call; then (h, c) for an LSTM or h for a GRU, each
        # (n_layer, B, n_embd), as torch's nn.LSTM / nn.GRU return them
        self.hidden = None
        self.length = 0  # tokens fed so far (the sampler reads it as the Transformer's)


class RecurrentModel(nn.Module):
    """Embedding → LSTM or GRU → tied output head; (B, T) ids → (B, T, vocab) logits."""

    def __init__(self, config: RNNConfig):
        super().__init__()
        if config.cell not in ("lstm", "gru"):
            raise ValueError(f"cell {config.cell!r} is not 'lstm' or 'gru'")
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        cell = nn.LSTM if config.cell == "lstm" else nn.GRU
        # torch's own dropout between layers; with one layer it would warn and do nothing
        self.rnn = cell(config.n_embd, config.n_embd, config.n_layer, batch_first=True,
                        dropout=config.dropout if config.n_layer > 1 else 0.0)
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.head.weight = self.wte.weight  # tied, as the Transformer's

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, idx, targets=None, cache: RNNState | None = None):
        """Logits (B, T, vocab) for ids (B, T); with targets also the mean cross-entropy.

        With a cache, the run continues from its hidden state and leaves the new one there.
        """
        x = self.drop(self.wte(idx))  # (B, T, C)
        # y: (B, T, C), the top layer's output at every position; None starts from zeros
        y, hidden = self.rnn(x, cache.hidden if cache is not None else None)
        if cache is not None:
            cache.hidden = hidden
            cache.length += idx.shape[1]
        logits = self.head(self.drop(y))  # (B, T, vocab)
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.float().view(-1, logits.size(-1)), targets.reshape(-1),
                               ignore_index=0)  # 0 = PAD
        return logits, loss

    def new_cache(self, batch: int = 1) -> RNNState:
        del batch  # the state is created by the first call
        return RNNState()


def build(config: RNNConfig) -> RecurrentModel:
    """A `RecurrentModel` with the baselines' initialisation."""
    model = RecurrentModel(config)
    for name, parameter in model.rnn.named_parameters():
        if "weight" in name:
            # recurrent (hidden-to-hidden, "hh") matrices orthogonal, input matrices Xavier
            nn.init.orthogonal_(parameter) if "hh" in name else nn.init.xavier_uniform_(parameter)
        else:
            nn.init.zeros_(parameter)
    # the embedding keeps PyTorch's N(0, 1) init: with tied weights, GPT's 0.02 left the
    # recurrent net's inputs so small that it stalled at the unigram loss
    return model

