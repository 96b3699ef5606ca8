"""`tunesmith train parser` and `tunesmith eval parser`: fit and score the request heads.

The encoder stays frozen; its vectors for the whole corpus are computed once (by the same numpy
encoder that reads requests at run time), then the three heads are trained full-batch with
torch in a few seconds and saved for `generation.request.classifier` to run in numpy. Scores
are on the held-out families only, computed with those numpy heads.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from generation.paths import DATA
from generation.request.classifier import (
    HEADS_PATH,
    LABELS,
    Heads,
    labels_hash,
    load_heads,
    sigmoid,
)
from generation.request.encoder import EMBED_DIM, Encoder
from generation.request.parse import encoder_input
from generation.tools.request_corpus import (
    CORPUS_PATH,
    Example,
    build_corpus,
    read_corpus,
    write_corpus,
)
from generation.vocab import MOODS, STYLES, TEMPO_FEELS

log = logging.getLogger(__name__)

REPORT_PATH = DATA / "parser_report.json"
CONFIG = {"hidden": 256, "dropout": 0.1, "epochs": 400, "lr": 2e-3, "weight_decay": 0.01,
          "style_primary_weight": 0.7, "seed": 11}


def build_heads(hidden: int = 256, dropout: float = 0.1):
    """The three heads as one torch module: vector (B, 384) → logits per head.

    `generation.request.classifier.Heads` runs the same layers in numpy, reading these weight names.
    """
    import torch
    from torch import nn

    class TorchHeads(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.trunk = nn.Sequential(nn.Linear(EMBED_DIM, hidden), nn.GELU(),
                                       nn.Dropout(dropout))
            self.mood = nn.Linear(hidden, len(MOODS))
            self.style = nn.Linear(hidden, len(STYLES))
            self.tempo = nn.Linear(hidden, len(TEMPO_FEELS))

        def forward(self, vectors: torch.Tensor) -> dict[str, torch.Tensor]:
            shared = self.trunk(vectors)  # (B, hidden)
            return {name: getattr(self, name)(shared) for name in LABELS}

    return TorchHeads()


def to_numpy(heads) -> Heads:
    """The trained torch heads as the numpy heads that read requests."""
    return Heads({name: t.detach().numpy().copy() for name, t in heads.state_dict().items()})


def save_heads(heads, path: Path, config: dict) -> None:
    """Weights as safetensors with the config and the label-vocabulary hash beside them."""
    from safetensors.numpy import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(to_numpy(heads).weights, str(path), metadata={"config": json.dumps(config),
                                                            "labels_hash": labels_hash()})


def _targets(examples: list[Example], primary_weight: float):
    import torch

    moods = torch.zeros(len(examples), len(MOODS))
    styles = torch.zeros(len(examples), len(STYLES))
    tempo = torch.zeros(len(examples), dtype=torch.long)
    for row, example in enumerate(examples):
        for mood in example.moods:
            moods[row, MOODS.index(mood)] = 1.0
        # Soft style target: the best style most, the other acceptable ones share the rest.
        rest = example.styles[1:]
        styles[row, STYLES.index(example.styles[0])] = primary_weight if rest else 1.0
        for style in rest:
            styles[row, STYLES.index(style)] = (1 - primary_weight) / len(rest)
        tempo[row] = TEMPO_FEELS.index(example.tempo)
    return moods, styles, tempo


def fit(vectors: np.ndarray, examples: list[Example], config: dict[str, Any]):
    """Heads trained on (N, 384) vectors; returns the torch module in eval mode."""
    import torch

    vectors = torch.from_numpy(np.ascontiguousarray(vectors))
    torch.manual_seed(config["seed"])
    heads = build_heads(config["hidden"], config["dropout"])
    moods, styles, tempo = _targets(examples, config["style_primary_weight"])
    optimiser = torch.optim.AdamW(heads.parameters(), lr=config["lr"],
                                  weight_decay=config["weight_decay"])
    heads.train()
    for _ in range(config["epochs"]):
        logits = heads(vectors)
        loss = (torch.nn.functional.binary_cross_entropy_with_logits(logits["mood"], moods)
                + torch.nn.functional.cross_entropy(logits["style"], styles)
                + torch.nn.functional.cross_entropy(logits["tempo"], tempo))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return heads.eval()


def _macro_f1(gold: list[set[str]], predicted: list[set[str]], labels: tuple[str, ...]):
    scores = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if label in g and label in p)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if label not in g and label in p)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if label in g and label not in p)
        if tp + fp + fn:
            scores.append(2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores) if scores else 0.0


def score(heads: Heads, vectors: np.ndarray, examples: list[Example],
          threshold: float) -> dict[str, Any]:
    """Per-head accuracy and macro-F1 of `heads` on `examples` (vectors aligned with them)."""
    logits = heads(vectors)
    mood_p = sigmoid(logits["mood"])
    style_i = logits["style"].argmax(-1).tolist()
    tempo_i = logits["tempo"].argmax(-1).tolist()
    top = mood_p.argmax(-1).tolist()
    predicted_sets = []
    for row, probabilities in enumerate(mood_p.tolist()):
        chosen = {MOODS[i] for i, p in enumerate(probabilities) if p >= threshold}
        predicted_sets.append(chosen or {MOODS[top[row]]})
    n = len(examples)
    gold_moods = [set(e.moods) for e in examples]
    styles = [STYLES[i] for i in style_i]
    tempos = [TEMPO_FEELS[i] for i in tempo_i]
    return {
        "examples": n,
        "families": len({e.family for e in examples}),
        "mood": {
            "accuracy": sum(MOODS[t] in g for t, g in zip(top, gold_moods, strict=True)) / n,
            "primary_exact": sum(MOODS[t] == e.moods[0] for t, e in
                                 zip(top, examples, strict=True)) / n,
            "macro_f1": _macro_f1(gold_moods, predicted_sets, MOODS),
            "threshold": threshold,
        },
        "style": {
            "accuracy": sum(s == e.styles[0] for s, e in zip(styles, examples, strict=True)) / n,
            "accepted": sum(s in e.styles for s, e in zip(styles, examples, strict=True)) / n,
            "macro_f1": _macro_f1([{e.styles[0]} for e in examples], [{s} for s in styles],
                                  STYLES),
        },
        "tempo": {
            "accuracy": sum(t == e.tempo for t, e in zip(tempos, examples, strict=True)) / n,
            "macro_f1": _macro_f1([{e.tempo} for e in examples], [{t} for t in tempos],
                                  TEMPO_FEELS),
        },
    }


def score_pipeline(examples: list[Example], classifier) -> dict[str, Any]:
    """How often the whole `parse_request` (word tables + heads + rules) is acceptable."""
    from generation.request.parse import parse_request

    requests = [parse_request(e.text, classifier=classifier) for e in examples]
    n = len(examples)
    return {
        "examples": n,
        "mood_accepted": sum(r.mood in e.moods for r, e in zip(requests, examples,
                                                                  strict=True)) / n,
        "mood_primary_exact": sum(r.mood == e.moods[0] for r, e in zip(requests, examples,
                                                                        strict=True)) / n,
        "style_accepted": sum(r.style in e.styles for r, e in zip(requests, examples,
                                                                   strict=True)) / n,
        "style_primary_exact": sum(r.style == e.styles[0] for r, e in zip(requests, examples,
                                                                           strict=True)) / n,
    }


def encode_cached(texts: list[str],
                  cache: Path = Path(".cache") / "parser_vectors") -> np.ndarray:
    """Encoder vectors (N, 384) for `texts`, reusing those an earlier run computed (same
    encoder)."""
    from safetensors.numpy import load_file, save_file

    known: dict[str, np.ndarray] = {}
    vectors_path, texts_path = cache.with_suffix(".safetensors"), cache.with_suffix(".json")
    if vectors_path.is_file() and texts_path.is_file():
        stored = load_file(str(vectors_path))["vectors"]
        known = dict(zip(json.loads(texts_path.read_text(encoding="utf-8")), stored,
                         strict=True))
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    if missing:
        log.info("encoding %d distinct requests (%d cached)", len(missing),
                 len(set(texts)) - len(missing))
        known.update(zip(missing, Encoder().encode(missing), strict=True))
        cache.parent.mkdir(parents=True, exist_ok=True)
        save_file({"vectors": np.stack(list(known.values()))}, str(vectors_path))
        texts_path.write_text(json.dumps(list(known)), encoding="utf-8")
    return np.stack([known[t] for t in texts]) if texts else np.zeros((0, EMBED_DIM), np.float32)


PROBE_PATH = DATA / "request_probe.tsv"


def score_captions(classifier) -> dict[str, Any]:
    """The MidiCaps-style captions' slots read by parse_request (generation.tools.captions)."""
    from generation.tools.captions import score_captions as score

    return score(classifier)


def score_probe(classifier, path: Path = PROBE_PATH) -> dict[str, Any]:
    """parse_request on typical requests written apart from the seeds (every acceptable answer
    listed): how often its mood and style are ones a musician would accept."""
    from generation.request.parse import parse_request

    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    moods = styles = 0
    for text, good_moods, good_styles in rows:
        request = parse_request(text, classifier=classifier)
        moods += request.mood in good_moods.split(",")
        styles += request.style in good_styles.split(",")
    return {"examples": len(rows), "mood_accepted": moods / len(rows),
            "style_accepted": styles / len(rows)}


def _best_threshold(heads: Heads, vectors: np.ndarray, examples: list[Example]) -> float:
    candidates = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6]
    return max(candidates, key=lambda t: score(heads, vectors, examples, t)["mood"]["macro_f1"])


def train(heads_path: Path = HEADS_PATH, report_path: Path = REPORT_PATH) -> dict[str, Any]:
    """Rebuild the corpus from the seeds, train the heads, save them and the held-out report."""
    started = time.perf_counter()
    examples = build_corpus()
    write_corpus(examples)
    train_set = [e for e in examples if e.split == "train"]
    test_set = [e for e in examples if e.split == "test"]
    vectors = encode_cached([encoder_input(e.text) for e in examples])
    is_train = np.array([e.split == "train" for e in examples])
    train_vectors, test_vectors = vectors[is_train], vectors[~is_train]

    # Pick the mood threshold on a slice of the training families, never on the test.
    inner = [i for i, e in enumerate(train_set) if hash_bucket(e.family) != 0]
    check = [i for i, e in enumerate(train_set) if hash_bucket(e.family) == 0]
    probe = to_numpy(fit(train_vectors[inner], [train_set[i] for i in inner], CONFIG))
    threshold = _best_threshold(probe, train_vectors[check], [train_set[i] for i in check])

    trained = fit(train_vectors, train_set, CONFIG)
    config = {**CONFIG, "mood_threshold": threshold, "train_examples": len(train_set),
              "corpus": CORPUS_PATH.name}
    save_heads(trained, heads_path, config)
    heads = to_numpy(trained)
    from generation.request.classifier import Classifier

    report = {
        "corpus_examples": len(examples),
        "seed_families": len({e.family for e in examples}),
        "train": score(heads, train_vectors, train_set, threshold),
        "held_out": score(heads, test_vectors, test_set, threshold),
        "held_out_parse_request": score_pipeline(test_set, Classifier(heads_path)),
        "probe_parse_request": score_probe(Classifier(heads_path)),
        "captions": score_captions(Classifier(heads_path)),
        "config": config,
        "train_s": round(time.perf_counter() - started, 1),
    }
    report_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


def hash_bucket(family: str, buckets: int = 6) -> int:
    import hashlib

    return int(hashlib.md5(family.encode("utf-8")).hexdigest()[:6], 16) % buckets


def evaluate(heads_path: Path = HEADS_PATH) -> dict[str, Any]:
    """Scores of the committed heads on the committed held-out split."""
    from generation.request.classifier import Classifier

    heads, config = load_heads(heads_path)
    test_set = [e for e in read_corpus() if e.split == "test"]
    classifier = Classifier(heads_path)
    vectors = classifier.encoder.encode([encoder_input(e.text) for e in test_set])
    return {"held_out": score(heads, vectors, test_set, float(config.get("mood_threshold", 0.5))),
            "held_out_parse_request": score_pipeline(test_set, classifier),
            "probe_parse_request": score_probe(classifier),
            "captions": score_captions(classifier)}
