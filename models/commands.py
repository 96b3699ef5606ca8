"""What `tunesmith train data|model`, `eval model` and `bench model` do (the CLI is thin)."""

from __future__ import annotations

import logging
from pathlib import Path

from models.core.checkpoint import SHIPPED

log = logging.getLogger(__name__)

# Sizes chosen to fit about an hour (Transformer) and a quarter hour (RNNs) on 2 cores.
ARCH_DEFAULTS = {
    "transformer": {"n_layer": 4, "n_embd": 256, "minutes": 55.0},
    # short runs: a short warm-up, a higher peak learning rate (usual for recurrent nets)
    "lstm": {"n_layer": 2, "n_embd": 256, "minutes": 12.0, "warmup": 40, "lr": 2e-3},
    "gru": {"n_layer": 2, "n_embd": 256, "minutes": 12.0, "warmup": 40, "lr": 2e-3},
}


def train_data(cache_dir: Path, workers: int = 2) -> dict:
    """Rebuild the prepared corpus and its token arrays."""
    from models.training import corpus, train

    path = corpus.build(Path(cache_dir), workers=workers)
    for pattern in ("tokens-*.npz", "ngram-*.json"):  # made from the previous corpus
        for stale in Path(cache_dir).glob(pattern):
            stale.unlink()
    arrays = train.token_arrays(Path(cache_dir), train.TrainConfig().context)
    return {"corpus": str(path), **{split: int(len(stream))
                                    for split, (stream, _) in arrays.items()}}


def train_model(arch: str, cache_dir: Path, *, minutes: float | None = None,
                steps: int | None = None, run_dir: Path | None = None,
                export: Path | None = None, batch: int = 16, seed: int = 0,
                threads: int = 2) -> dict:
    """Train `arch` (resuming its run folder) and export the best checkpoint."""
    from models.training import train

    defaults = dict(ARCH_DEFAULTS[arch])
    if minutes is not None:
        defaults["minutes"] = minutes
    config = train.TrainConfig(arch=arch, batch=batch, seed=seed, threads=threads,
                               steps=steps or train.TrainConfig.steps, **defaults)
    run_dir = Path(run_dir or Path("runs") / arch)
    export = Path(export) if export else SHIPPED[arch]
    metrics = train.train(config, Path(cache_dir), run_dir, export=export)
    log.info("exported %s", export.with_suffix(".safetensors"))
    return {"arch": arch, "export": str(export.with_suffix(".safetensors")), **metrics}


def train_vae(cache_dir: Path, *, minutes: float | None = None, steps: int | None = None,
              run_dir: Path | None = None, export: Path | None = None,
              threads: int = 1) -> dict:
    """Train the phrase VAE (resuming `runs/vae/`) and export models/weights/vae.*."""
    from models.training import vae_train

    defaults = vae_train.VAETrainConfig()
    config = vae_train.VAETrainConfig(minutes=minutes or defaults.minutes,
                                      steps=steps or defaults.steps, threads=threads)
    export = Path(export) if export else vae_train.EXPORT
    metrics = vae_train.train(config, Path(cache_dir), Path(run_dir or Path("runs") / "vae"),
                              export=export)
    log.info("exported %s", export.with_suffix(".safetensors"))
    return {"export": str(export.with_suffix(".safetensors")), **metrics}


def train_critic(cache_dir: Path) -> dict:
    """Pretrain the critic against the shipped melody model (models/weights/critic.*)."""
    from models.training import critic_train

    return critic_train.train_critic(Path(cache_dir))


def train_progressions(cache_dir: Path) -> dict:
    """Count the corpus's four-bar progressions (models/weights/progressions.json)."""
    from models.training import progressions

    return progressions.build(Path(cache_dir))


def train_gan(cache_dir: Path, minutes: float | None = None) -> dict:
    """Adversarial fine-tuning (resumes runs/gan), then the gates (reports/gan.json).

    The candidate replaces models/weights/melody.* only if it passes every gate.
    `minutes=0` after a run only measures the gates again.
    """
    from models.evaluation import gates
    from models.training import gan

    config = gan.GanConfig(minutes=gan.GanConfig.minutes if minutes is None else minutes)
    trained = gan.train(Path(cache_dir), config=config)
    verdict = gates.gate(Path(cache_dir))
    return {**trained, "ship": verdict["ship"], "shipped": verdict["shipped"],
            "checks": verdict["checks"]}
