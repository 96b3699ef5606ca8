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

from models import checkpoint

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainConfig:
    arch: str = "transformer"
    n_layer: int = 4
    n_embd: int = 256
    n_head: int = 4
    context: int = 512
    batch: int = 16
    lr: float = 1e-3
    min_lr: float = 1e-4
    warmup: int = 200
    steps: int = 100_000
    minutes: float = 55.0
    dropout: float = 0.1
    weight_decay: float = 0.1
    eval_every: int = 250
    seed: int = 0
    bf16: bool = True
    threads: int = 2


def token_arrays(cache_dir: Path, context: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per split: (stream of token ids int16, chunk start offsets int64); cached as .npz."""
    from models import data
    from models.tokenizer import Tokenizer

    tokenizer = Tokenizer()
    path = Path(cache_dir) / f"tokens-{tokenizer.vocab_hash}-{context}.npz"
    if path.exists():
        with np.load(path) as saved:
            return {s: (saved[f"{s}_stream"], saved[f"{s}_starts"])
                    for s in ("train", "valid", "test")}
    arrays, out = {}, {}
    pieces = data.load(Path(cache_dir))
    for split in ("train", "valid", "test"):
        chunks = [c for p in pieces if p.split() == split
                  for c in tokenizer.encode_chunks(p, context)]
        lengths = np.array([len(c) for c in chunks], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        stream = np.array([t for c in chunks for t in c], dtype=np.int16)
        out[split] = (stream, starts)
        arrays[f"{split}_stream"], arrays[f"{split}_starts"] = stream, starts
        log.info("%s: %d chunks, %d tokens", split, len(chunks), len(stream))
    np.savez(path, **arrays)
    return out


def batches(stream: np.ndarray, starts: np.ndarray, batch: int, context: int, rng):
    """Endless (x, y) int64 tensors (batch, context), windows opening at chunk starts."""
    import torch

    usable = starts[starts + context + 1 <= len(stream)]
    offsets = np.arange(context + 1)
    while True:
        chosen = rng.choice(usable, size=batch)
        window = torch.from_numpy(stream[chosen[:, None] + offsets].astype(np.int64))
        yield window[:, :-1], window[:, 1:]


def chunk_nll(model, stream: np.ndarray, starts: np.ndarray, limit: int | None = None,
              batch: int = 16) -> float:
    """Mean NLL per token (nats) over held-out chunks, each scored on its own from BOS."""
    import torch
    from torch.nn import functional as F

    ends = np.append(starts[1:], len(stream))
    spans = list(zip(starts, ends, strict=True))[:limit]
    total, count = 0.0, 0
    model.eval()
    with torch.inference_mode():
        for i in range(0, len(spans), batch):
            group = spans[i:i + batch]
            width = max(e - s for s, e in group)
            ids = torch.zeros(len(group), width, dtype=torch.long)  # 0 = PAD
            for row, (s, e) in enumerate(group):
                ids[row, : e - s] = torch.from_numpy(stream[s:e].astype(np.int64))
            logits, _ = model(ids[:, :-1])
            targets = ids[:, 1:]
            losses = F.cross_entropy(logits.float().transpose(1, 2), targets, reduction="none",
                                     ignore_index=0)
            total += float(losses.sum())
            count += int((targets != 0).sum())
    return total / max(count, 1)


def _model_config(config: TrainConfig, vocab_size: int) -> dict:
    if config.arch == "transformer":
        return {"vocab_size": vocab_size, "context": config.context, "n_layer": config.n_layer,
                "n_head": config.n_head, "n_embd": config.n_embd, "dropout": config.dropout}
    return {"vocab_size": vocab_size, "cell": config.arch, "context": config.context,
            "n_layer": config.n_layer, "n_embd": config.n_embd, "dropout": config.dropout}


def learning_rate(config: TrainConfig, step: int, progress: float) -> float:
    if step < config.warmup:
        return config.lr * (step + 1) / config.warmup
    return config.min_lr + 0.5 * (config.lr - config.min_lr) * (1 + math.cos(math.pi * progress))


def train(config: TrainConfig, cache_dir: Path, run_dir: Path, export: Path | None = None,
          arrays=None, log_every: int = 20) -> dict:
    """Train (resuming from `run_dir` when it holds a run); returns the final metrics.

    The best checkpoint by validation NLL is kept in `run_dir/best`; with `export`, it is
    copied there as the shipped safetensors + JSON.
    """
    import torch

    from models.tokenizer import Tokenizer

    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    tokenizer = Tokenizer()
    arrays = arrays or token_arrays(cache_dir, config.context)
    model = checkpoint.build_model(config.arch, _model_config(config, len(tokenizer)))
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": config.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}],
                                  lr=config.lr, betas=(0.9, 0.95))
    run_dir = Path(run_dir)
    state_path = run_dir / "state.pt"
    step, elapsed, best = 0, 0.0, math.inf
    if state_path.exists():  # resume
        state = torch.load(state_path, weights_only=True)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step, elapsed, best = state["step"], state["elapsed"], state["best"]
        log.info("resuming %s at step %d (%.1f min done)", run_dir, step, elapsed / 60)
    rng = np.random.default_rng(config.seed + step)
    stream, starts = arrays["train"]
    valid = arrays["valid"]
    feed = batches(stream, starts, config.batch, config.context, rng)
    log.info("%s: %.2f M parameters, %d training tokens", config.arch,
             model.num_parameters() / 1e6, len(stream))
    budget = config.minutes * 60
    began, window_tokens, window_start = time.time() - elapsed, 0, time.time()
    metrics = {}
    while True:
        elapsed = time.time() - began
        progress = max(step / config.steps, elapsed / budget)
        if progress >= 1:
            break
        lr = learning_rate(config, step, min(progress, 1.0))
        for group in optimizer.param_groups:
            group["lr"] = lr
        model.train()
        x, y = next(feed)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.bf16):
            _, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        window_tokens += x.numel()
        if step % log_every == 0:
            rate = window_tokens / (time.time() - window_start)
            eta = max(0.0, min(budget - elapsed, (config.steps - step) * x.numel() / rate))
            log.info("step %d loss %.3f lr %.2e %.0f tok/s ETA %.1f min", step, loss.item(),
                     lr, rate, eta / 60)
            metrics["tokens_per_s"] = rate
            window_tokens, window_start = 0, time.time()
        if step % config.eval_every == 0:
            best = _evaluate(model, config, tokenizer, valid, step, best, run_dir, metrics)
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                        "step": step, "elapsed": time.time() - began, "best": best}, state_path)
    best = _evaluate(model, config, tokenizer, valid, step, best, run_dir, metrics)
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "step": step, "elapsed": time.time() - began, "best": best}, state_path)
    metrics.update(step=step, minutes=(time.time() - began) / 60, best_valid_nll=best)
    if export is not None:
        best_model, meta = checkpoint.load(run_dir / "best", tokenizer.vocab_hash)
        checkpoint.save(best_model, config.arch, export, tokenizer.vocab_hash, meta["step"],
                        half=True, metrics={**meta.get("metrics", {}), **metrics},
                        command=f"tunesmith train model --arch {config.arch}")
    return metrics


def _evaluate(model, config, tokenizer, valid, step, best, run_dir, metrics) -> float:
    nll = chunk_nll(model, *valid, limit=200)
    log.info("step %d valid NLL %.4f nats/token", step, nll)
    metrics["valid_nll"] = nll
    if nll < best:
        checkpoint.save(model, config.arch, run_dir / "best", tokenizer.vocab_hash, step,
                        metrics={"valid_nll_200": nll})
        return nll
    return best
