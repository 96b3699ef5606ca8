"""The gates a fine-tuned generator must pass to ship, measured and applied.

`gate` compares the candidate `tunesmith train gan` kept (runs/gan/melody-gan.*) with the base
generator on the same held-out excerpts and seeds (models.evaluation.evaluate.gate_measures and
models.evaluation.evaluate.gates), writes reports/gan.json either way, and replaces
models/weights/melody.* only on a pass of every check.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from models.core import checkpoint
from models.core.errors import ModelError
from models.evaluation import evaluate
from models.inference import critic
from models.inference.sampler import MelodyModel
from models.networks import torch_checkpoint

log = logging.getLogger(__name__)


def gate(cache_dir: Path, run_dir: Path = Path("runs/gan"), samples: int = 300, seed: int = 1,
         ship: bool = True, report: Path = Path("reports/gan.json"),
         critic_path: Path = critic.WEIGHTS, nll_chunks: int | None = None) -> dict:
    """Measure the candidate against the base (`evaluate.gates`); ship it if it passes.

    Both write melodies for the same `samples` held-out excerpts (8 bars, test split) on the
    same seeds; the NLL is over the first `nll_chunks` test chunks (None: all). Shipping
    moves the base to models/weights/melody-base.* (kept for the comparison) and the
    candidate to melody.*.
    The result, passed or not, goes to `report`.
    """
    import datetime
    import json
    import shutil

    from models.evaluation.machine import machine
    from models.training.train import TrainConfig, token_arrays

    candidate = Path(run_dir) / "melody-gan"
    base_path = checkpoint.WEIGHTS_DIR / "melody-base"
    if not base_path.with_suffix(".json").exists():  # not shipped yet: the base is melody.*
        base_path = checkpoint.WEIGHTS_DIR / checkpoint.DEFAULT_NAME
    if not candidate.with_suffix(".json").exists():
        raise ModelError(f"no candidate at {candidate}: no generator of the run stayed within "
                         "the validation NLL limit (see the training log)")
    judge = critic.NumpyCritic.load(critic_path)
    test = token_arrays(Path(cache_dir), TrainConfig().context)["test"]
    chosen = evaluate.held_out_excerpts(Path(cache_dir), samples, 8, seed)
    measures = {name: measure(path, chosen, judge, test, seed, Path(run_dir), nll_chunks)
                for name, path in (("base", base_path), ("tuned", candidate))}
    verdict = evaluate.gates(measures["base"], measures["tuned"])
    shipped = ship and verdict["ship"] and base_path.name == checkpoint.DEFAULT_NAME
    if shipped:
        for suffix in (".safetensors", ".json"):
            shutil.copyfile(base_path.with_suffix(suffix),
                            (checkpoint.WEIGHTS_DIR / "melody-base").with_suffix(suffix))
            shutil.copyfile(candidate.with_suffix(suffix), base_path.with_suffix(suffix))
    result = {"command": "tunesmith train gan", "machine": machine(),
              "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="minutes"),
              "excerpts": len(chosen), "seed": seed, "measures": measures, **verdict,
              "shipped": shipped}
    Path(report).parent.mkdir(parents=True, exist_ok=True)
    Path(report).write_text(json.dumps(result, indent=2, default=float) + "\n")
    return result


def measure(path: Path, chosen, judge, test, seed: int, run_dir: Path,
            nll_chunks: int | None = None) -> dict:
    """`evaluate.gate_measures` of the checkpoint at `path`, kept in `run_dir` for reuse.

    The base's measures do not change while a run trains: `tunesmith train gan --minutes 0`
    or a second gate reads them back (keyed by model, critic, excerpts and seed).
    """
    import hashlib
    import json


    model = MelodyModel.load(path)
    judge_id = hashlib.sha1(judge.out[0].tobytes()).hexdigest()[:8]
    saved = run_dir / (f"measures-{model.version}-{judge_id}-{len(chosen)}-{seed}-"
                       f"{nll_chunks or 'all'}.json")
    if saved.exists():
        return json.loads(saved.read_text())
    began = time.time()
    network, _ = torch_checkpoint.load(path, model.tokenizer.vocab_hash)
    result = evaluate.gate_measures(model, chosen, judge, test, network, seed, nll_chunks)
    result.update(model=model.version, seconds=round(time.time() - began, 1))
    log.info("%s measured in %.0f s", model.version, time.time() - began)
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(json.dumps(result, indent=2, default=float) + "\n")
    return result
