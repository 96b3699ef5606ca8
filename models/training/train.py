"""Training: token arrays from the corpus, then a time-budgeted, resumable loop.

Sequences are the pieces cut at bar lines into chunks of at most `context` tokens, each led
by its header; a training window of `context + 1` tokens starts at a random chunk start (so
every window opens with its controls) and may run on into the next pieces. The learning rate
warms up, then follows a cosine whose progress is the larger of steps done / steps allowed
and time spent / time allowed, so a run on a busy machine still anneals before its budget
ends. bf16 autocast on CPU roughly doubles throughput.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.networks import torch_checkpoint

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainConfig:
    """One training run; models/commands.py overrides some fields per architecture."""

    arch: str = "transformer"  # 'transformer' | 'lstm' | 'gru'
    n_layer: int = 4  # Transformer blocks, or stacked recurrent layers
    n_embd: int = 256  # model width (the recurrent nets' hidden size)
    n_head: int = 4  # attention heads (Transformer only)
    context: int = 512  # tokens per training window, and the Transformer's context
    batch: int = 16  # windows per step: 16 × 512 = 8,192 tokens a step
    lr: float = 1e-3  # peak learning rate, reached at the end of the warm-up
    min_lr: float = 1e-4  # where the cosine ends
    warmup: int = 200  # steps of linear warm-up from lr / warmup to lr
    # a cap on optimiser steps; in practice the time budget ends the run first (the shipped
    # Transformer made 2,831 steps in 75 min), and the cosine follows whichever is nearer
    steps: int = 100_000
    minutes: float = 55.0  # wall-clock budget, counting the time of the runs it resumes
    dropout: float = 0.1
    weight_decay: float = 0.1  # AdamW's, on weight matrices and embeddings only
    eval_every: int = 250  # steps between validation (best checkpoint) and state saves
    seed: int = 0  # weight init and dropout (torch); window sampling (numpy, offset by the step)
    bf16: bool = True  # bfloat16 autocast on CPU: roughly twice the tokens per second
    threads: int = 2  # torch CPU threads: the training machine has 2 cores


def token_arrays(cache_dir: Path, context: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per split: (stream of token ids int16, chunk start offsets int64); cached as .npz."""
    from models.core.tokenizer import Tokenizer
    from models.training import corpus

    tokenizer = Tokenizer()
    # the cache is keyed on what the arrays depend on: the vocabulary and the chunk length
    # (`tunesmith train data` deletes it when it rebuilds the corpus)
    path = Path(cache_dir) / f"tokens-{tokenizer.vocab_hash}-{context}.npz"
    if path.exists():
        with np.load(path) as saved:
            return {s: (saved[f"{s}_stream"], saved[f"{s}_starts"])
                    for s in ("train", "valid", "test")}
    arrays, out = {}, {}
    pieces = corpus.load(Path(cache_dir))
    for split in ("train", "valid", "test"):
        chunks = [c for p in pieces if p.split() == split
                  for c in tokenizer.encode_chunks(p, context)]
        # every chunk of the split back to back in one array; starts[i] is chunk i's offset
        lengths = np.array([len(c) for c in chunks], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        stream = np.array([t for c in chunks for t in c], dtype=np.int16)  # ids < 32768
        out[split] = (stream, starts)
        arrays[f"{split}_stream"], arrays[f"{split}_starts"] = stream, starts
        log.info("%s: %d chunks, %d tokens", split, len(chunks), len(stream))
    np.savez(path, **arrays)
    return out


def batches(stream: np.ndarray, starts: np.ndarray, batch: int, context: int, rng):
    """Endless (x, y) int64 tensors (batch, context), windows opening at chunk starts."""
    import torch

    usable = starts[starts + context + 1 <= len(stream)]  # chunks with a whole window after
    offsets = np.arange(context + 1)
    while True:
        chosen = rng.choice(usable, size=batch)  # (batch,) stream offsets, with replacement
        # (batch, context + 1) token ids; a window may run past its chunk into the next ones
        window = torch.from_numpy(stream[chosen[:, None] + offsets].astype(np.int64))
        yield window[:, :-1], window[:, 1:]  # inputs and targets: the same ids shifted by one


def chunk_nll(model, stream: np.ndarray, starts: np.ndarray, limit: int | None = None,
              batch: int = 16) -> float:
    """Mean NLL per token (nats) over held-out chunks, each scored on its own from BOS."""
    import torch
    from torch.nn import functional as F

    ends = np.append(starts[1:], len(stream))
    spans = list(zip(starts, ends, strict=True))[:limit]  # (start, end) of each chunk
    total, count = 0.0, 0  # summed NLL (nats) and the number of tokens it covers
    model.eval()  # no dropout
    with torch.inference_mode():
        for i in range(0, len(spans), batch):
            group = spans[i:i + batch]
            width = max(e - s for s, e in group)  # chunks are ≤ context tokens
            # (group, width): chunks of unequal length padded at the end; a causal model's
            # predictions for the real tokens never see the padding after them
            ids = torch.zeros(len(group), width, dtype=torch.long)  # 0 = PAD
            for row, (s, e) in enumerate(group):
                ids[row, : e - s] = torch.from_numpy(stream[s:e].astype(np.int64))
            logits, _ = model(ids[:, :-1])  # (group, width - 1, vocab)
            targets = ids[:, 1:]  # BOS itself is never scored: it is always given
            # cross_entropy wants the classes on dim 1: (group, vocab, width - 1)
            losses = F.cross_entropy(logits.float().transpose(1, 2), targets, reduction="none",
                                     ignore_index=0)
            total += float(losses.sum())
            count += int((targets != 0).sum())
    return total / max(count, 1)


def _model_config(config: TrainConfig, vocab_size: int) -> dict:
    """The network's own config (`TransformerConfig` or `RNNConfig` fields) as a dict."""
    if config.arch == "transformer":
        return {"vocab_size": vocab_size, "context": config.context, "n_layer": config.n_layer,
                "n_head": config.n_head, "n_embd": config.n_embd, "dropout": config.dropout}
    return {"vocab_size": vocab_size, "cell": config.arch, "context": config.context,
            "n_layer": config.n_layer, "n_embd": config.n_embd, "dropout": config.dropout}


def learning_rate(config: TrainConfig, step: int, progress: float) -> float:
    """Linear warm-up over `warmup` steps, then cosine from `lr` to `min_lr`.

    `progress` (0..1) is the share of the run's budget spent, by steps or by time.
    """
    if step < config.warmup:
        return config.lr * (step + 1) / config.warmup
    # progress already includes the warm-up, so the cosine starts a little below lr
    return config.min_lr + 0.5 * (config.lr - config.min_lr) * (1 + math.cos(math.pi * progress))


def _optimizer(model, config: TrainConfig):
    """AdamW with weight decay on matrices and embeddings, not on biases or LayerNorm gains
    (nanoGPT); the tied embedding is one parameter, so it is listed once."""
    import torch

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    # betas (0.9, 0.95), as GPT-3 and nanoGPT
    return torch.optim.AdamW([{"params": decay, "weight_decay": config.weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}],
                             lr=config.lr, betas=(0.9, 0.95))


def _resume(model, optimizer, state_path: Path) -> tuple[int, float, float]:
    """(step, elapsed seconds, best valid NLL) of the run saved at `state_path`, loaded into
    `model` and `optimizer`; a fresh start when there is none."""
    import torch

    if not state_path.exists():
        return 0, 0.0, math.inf
    state = torch.load(state_path, weights_only=True)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    log.info("resuming %s at step %d (%.1f min done)", state_path.parent, state["step"],
             state["elapsed"] / 60)
    return state["step"], state["elapsed"], state["best"]


def _save_state(model, optimizer, step: int, elapsed: float, best: float,
                state_path: Path) -> None:
    import torch

    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "step": step, "elapsed": elapsed, "best": best}, state_path)


def _step(model, optimizer, config: TrainConfig, feed, lr: float):
    """One optimiser step at learning rate `lr`; returns (loss, tokens in the batch)."""
    import torch

    for group in optimizer.param_groups:
        group["lr"] = lr
    model.train()  # again at every step: `_evaluate` leaves the model in eval mode
    x, y = next(feed)  # (batch, context) each
    # bf16 matmuls under autocast; the weights, their gradients and the optimiser state
    # stay float32
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.bf16):
        _, loss = model(x, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # global L2 norm ≤ 1
    optimizer.step()
    return loss, x.numel()  # batch × context tokens


def _export(run_dir: Path, export: Path, config: TrainConfig, tokenizer, metrics: dict) -> None:
    """Ship the best checkpoint, not the last, as float16."""
    best_model, meta = torch_checkpoint.load(run_dir / "best", tokenizer.vocab_hash)
    torch_checkpoint.save(best_model, config.arch, export, tokenizer.vocab_hash, meta["step"],
                          half=True, metrics={**meta.get("metrics", {}), **metrics},
                          command=f"tunesmith train model --arch {config.arch}")


def train(config: TrainConfig, cache_dir: Path, run_dir: Path, export: Path | None = None,
          arrays=None, log_every: int = 20) -> dict:
    """Train (resuming from `run_dir` when it holds a run); returns the final metrics.

    The best checkpoint by validation NLL is kept in `run_dir/best`; with `export`, it is
    copied there as the shipped safetensors + JSON.
    """
    import torch

    from models.core.tokenizer import Tokenizer

    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    tokenizer = Tokenizer()
    arrays = arrays or token_arrays(cache_dir, config.context)
    model = torch_checkpoint.build_model(config.arch, _model_config(config, len(tokenizer)))
    optimizer = _optimizer(model, config)
    run_dir = Path(run_dir)
    state_path = run_dir / "state.pt"  # model, optimiser, step, time spent, best valid NLL
    # elapsed in seconds; best in nats/token
    step, elapsed, best = _resume(model, optimizer, state_path)
    # a resumed run draws fresh windows instead of replaying those of its first steps
    rng = np.random.default_rng(config.seed + step)
    stream, starts = arrays["train"]
    valid = arrays["valid"]
    feed = batches(stream, starts, config.batch, config.context, rng)
    log.info("%s: %.2f M parameters, %d training tokens", config.arch,
             model.num_parameters() / 1e6, len(stream))
    budget = config.minutes * 60  # seconds
    # `began` is moved back by the time already spent, so a resumed run's clock continues;
    # window_*: tokens and start time of the current throughput measurement
    began, window_tokens, window_start = time.time() - elapsed, 0, time.time()
    metrics = {}
    while True:
        elapsed = time.time() - began
        # whichever budget is nearer its end drives the schedule: on a busy machine the
        # clock runs out first, and the learning rate still anneals before the end
        progress = max(step / config.steps, elapsed / budget)
        if progress >= 1:
            break
        lr = learning_rate(config, step, min(progress, 1.0))
        loss, tokens = _step(model, optimizer, config, feed, lr)
        step += 1
        window_tokens += tokens
        if step % log_every == 0:
            rate = window_tokens / (time.time() - window_start)  # tokens/s since the last log
            # seconds left: the time budget, or the remaining steps at the current rate
            eta = max(0.0, min(budget - elapsed, (config.steps - step) * tokens / rate))
            log.info("step %d loss %.3f lr %.2e %.0f tok/s ETA %.1f min", step, loss.item(),
                     lr, rate, eta / 60)
            metrics["tokens_per_s"] = rate
            window_tokens, window_start = 0, time.time()
        if step % config.eval_every == 0:  # a killed run loses fewer than eval_every steps
            best = _evaluate(model, config, tokenizer, valid, step, best, run_dir, metrics)
            _save_state(model, optimizer, step, time.time() - began, best, state_path)
    # the budget (time or steps) is spent: a last validation and state, so a later run
    # (with a larger budget) resumes from here
    best = _evaluate(model, config, tokenizer, valid, step, best, run_dir, metrics)
    _save_state(model, optimizer, step, time.time() - began, best, state_path)
    metrics.update(step=step, minutes=(time.time() - began) / 60, best_valid_nll=best)
    if export is not None:
        _export(run_dir, export, config, tokenizer, metrics)
    return metrics


def _evaluate(model, config, tokenizer, valid, step, best, run_dir, metrics) -> float:
    """Validation NLL; saves `run_dir/best` when it beats `best`. Returns the new best."""
    # a fixed subset (the first 200 validation chunks), the same at every evaluation
    nll = chunk_nll(model, *valid, limit=200)
    log.info("step %d valid NLL %.4f nats/token", step, nll)
    metrics["valid_nll"] = nll
    if nll < best:
        torch_checkpoint.save(model, config.arch, run_dir / "best", tokenizer.vocab_hash, step,
                        metrics={"valid_nll_200": nll})
        return nll
    return best
