"""Training the phrase VAE: corpus phrases, then a time-budgeted, resumable loop.

Phrases are every two-bar window of the prepared corpus (hop of one bar;
models/training/phrase_corpus.py), split as the pieces are. The loss per phrase is

    reconstruction (nats, note onsets weighted ×1.5) + β · max(KL − free_bits, 0)

with β rising linearly from 0 to `beta` over the first `anneal` share of the run: the
decoder first learns to read z, then the posterior is pulled towards N(0, I) only beyond
`free_bits` nats per phrase, which it may spend on the tune for free (reconstruction is the
point of a variation that keeps most notes). The learning rate follows a cosine over the
larger of steps and time spent, as models/training/train.py does. bf16 autocast on the CPU.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from models.core.checkpoint import WEIGHTS_DIR
from models.inference import phrases
from models.training import phrase_corpus

log = logging.getLogger(__name__)
EXPORT = WEIGHTS_DIR / "vae"


@dataclass(frozen=True)
class VAETrainConfig:
    minutes: float = 40.0  # wall-clock budget, counting the runs it resumes
    steps: int = 60_000  # a cap; the clock ends the run first on the 2-core machine
    batch: int = 128
    lr: float = 2e-3
    min_lr: float = 1e-4
    warmup: int = 200
    beta: float = 0.2
    free_bits: float = 64.0  # nats per phrase of KL that cost nothing
    anneal: float = 0.3  # share of the run over which β rises from 0
    eval_every: int = 400
    seed: int = 0
    threads: int = 1  # the machine is shared: one core
    bf16: bool = True  # bfloat16 autocast: about twice the phrases per second on the CPU


def windows(cache_dir: Path) -> dict:
    """Per split: (tokens (N, T) int8, keys (N, 4) int16, chords (N, 2, 2) int16); cached."""
    from models.training import corpus

    path = Path(cache_dir) / f"vae-phrases-{phrases.vocab_hash()}.npz"
    if path.exists():
        with np.load(path) as saved:
            return {s: tuple(saved[f"{s}_{k}"] for k in ("tokens", "keys", "chords"))
                    for s in ("train", "valid", "test")}
    pieces = corpus.load(Path(cache_dir))
    out, arrays = {}, {}
    for split in ("train", "valid", "test"):
        tokens, keys, chords = phrase_corpus.corpus_windows(
            [p for p in pieces if p.split() == split], seed={"train": 0, "valid": 1,
                                                             "test": 2}[split])
        out[split] = (tokens, keys, chords)
        arrays.update({f"{split}_tokens": tokens, f"{split}_keys": keys,
                       f"{split}_chords": chords})
        log.info("%s: %d phrases", split, len(tokens))
    np.savez_compressed(path, **arrays)
    return out


def tensors(split: tuple, index: np.ndarray):
    """(tokens (B, T) int64, features (B, T, F) float32) torch tensors of phrases `index`."""
    import torch

    tokens, keys, chords = split
    feats = phrase_corpus.batch_features(keys[index], chords[index])
    return (torch.from_numpy(tokens[index].astype(np.int64)), torch.from_numpy(feats))


def accuracy(model, split: tuple, limit: int = 2000, batch: int = 500) -> dict:
    """Reconstruction from z = μ on the first `limit` phrases: token and onset-pitch
    accuracy, exact phrases, KL per phrase (nats) and its mean per dimension."""
    import torch

    from models.networks.vae import kl_per_dim

    model.eval()
    hits = onsets = onset_hits = steps = exact = 0
    kls = []
    with torch.inference_mode():
        for start in range(0, min(limit, len(split[0])), batch):
            index = np.arange(start, min(start + batch, limit, len(split[0])))
            tokens, feats = tensors(split, index)
            mu, logvar = model.encode(tokens, feats)
            guess = model.decode(mu, feats).argmax(-1)
            real = tokens != phrases.PAD
            onset = tokens >= phrases.PITCH_BASE
            hits += int(((guess == tokens) & real).sum())
            steps += int(real.sum())
            onset_hits += int(((guess == tokens) & onset).sum())
            onsets += int(onset.sum())
            exact += int(((guess == tokens) | ~real).all(1).sum())
            kls.append(kl_per_dim(mu, logvar))
    kl = torch.cat(kls)  # (N, Z)
    return {"token_accuracy": hits / steps, "onset_pitch_accuracy": onset_hits / onsets,
            "exact_phrases": exact / len(kl), "kl": float(kl.sum(1).mean()),
            "kl_per_dim": kl.mean(0).tolist(), "phrases": len(kl)}


def train(config: VAETrainConfig, cache_dir: Path, run_dir: Path,
          export: Path | None = EXPORT) -> dict:
    """Train (resuming `run_dir`), then export float16 weights + JSON to `export`."""
    import torch

    from models.networks import torch_checkpoint
    from models.networks.vae import PhraseVAE, VAEConfig, loss_terms

    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    data = windows(cache_dir)
    model = PhraseVAE(VAEConfig())
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.0)
    run_dir = Path(run_dir)
    state_path = run_dir / "state.pt"
    step, elapsed = 0, 0.0
    if state_path.exists():
        state = torch.load(state_path, weights_only=True)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step, elapsed = state["step"], state["elapsed"]
        log.info("resuming %s at step %d (%.1f min done)", run_dir, step, elapsed / 60)
    rng = np.random.default_rng(config.seed + step)
    train_split, count = data["train"], len(data["train"][0])
    log.info("vae: %.2f M parameters, %d training phrases", model.num_parameters() / 1e6, count)
    budget, began = config.minutes * 60, time.time() - elapsed
    metrics: dict = {}

    def save_state() -> None:
        run_dir.mkdir(parents=True, exist_ok=True)
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "step": step, "elapsed": time.time() - began}, state_path)

    window_start, window_steps = time.time(), 0
    while True:
        progress = max(step / config.steps, (time.time() - began) / budget)
        if progress >= 1:
            break
        lr = config.lr * (step + 1) / config.warmup if step < config.warmup else (
            config.min_lr + 0.5 * (config.lr - config.min_lr) * (1 + math.cos(math.pi * progress)))
        beta = config.beta * min(1.0, progress / config.anneal)
        for group in optimizer.param_groups:
            group["lr"] = lr
        model.train()
        tokens, feats = tensors(train_split, rng.integers(0, count, config.batch))
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.bf16):
            recon, kl, _ = loss_terms(model, tokens, feats)
        loss = (recon + beta * torch.clamp(kl - config.free_bits, min=0)).mean() / phrases.STEPS
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        window_steps += 1
        if step % 50 == 0:
            rate = window_steps * config.batch / (time.time() - window_start)
            log.info("step %d recon %.2f kl %.1f beta %.3f lr %.2e %.0f phrases/s",
                     step, recon.detach().mean().item(), kl.detach().mean().item(), beta,
                     lr, rate)
            metrics["phrases_per_s"] = rate
            window_start, window_steps = time.time(), 0
        if step % config.eval_every == 0:
            scores = accuracy(model, data["valid"])
            log.info("step %d valid tokens %.3f onset pitches %.3f exact %.3f kl %.1f", step,
                     scores["token_accuracy"], scores["onset_pitch_accuracy"],
                     scores["exact_phrases"], scores["kl"])
            save_state()
    scores = accuracy(model, data["valid"])
    save_state()
    metrics.update(step=step, minutes=(time.time() - began) / 60,
                   **{f"valid_{k}": v for k, v in scores.items() if k != "kl_per_dim"})
    if export is not None:
        torch_checkpoint.save(model, "vae", export, phrases.vocab_hash(), step, half=True,
                        metrics=metrics, train_config=asdict(config),
                        command="tunesmith train vae")
    return metrics
