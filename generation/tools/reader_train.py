"""`tunesmith train reader`: the conversation reader's heads (generation/request/reader.py),
trained on dialogues written by many writers, and measured on writers it never saw.

The corpus is generation/data/chat_corpus.jsonl (dialogues by writer personas, each line's
expectation as in `tunesmith eval chat`), the `tune` split of chat_dialogues.jsonl, and the
template paraphrases of generation/tools/reader_templates.py. Whole writers are held out
(HELD_OUT): their turns are never trained on, and the report measures them.
"""

from __future__ import annotations

import json
import logging
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

from generation.paths import DATA
from generation.request.reader import (
    AMOUNTS,
    INTENTS,
    KINDS,
    READER_PATH,
    features,
    reader_hash,
)
from generation.vocab import MOODS

log = logging.getLogger(__name__)

CORPUS = DATA / "chat_corpus.jsonl"
REPORT_PATH = DATA / "reader_report.json"
# one persona of each writer, never trained on: the writer-held-out split
HELD_OUT = ("w1-hesitant", "w2-film", "w3-texter")
CONFIG = {"hidden": 256, "dropout": 0.2, "epochs": 300, "lr": 2e-3, "weight_decay": 0.01,
          "seed": 5, "sure": 0.6}
_EDIT_KEYS = ("tempo", "key", "transpose", "mode", "relative", "mood", "style", "add", "remove",
              "swap", "lead", "length", "meter", "rewrite", "density", "error")


def label(expect: dict) -> dict[str, Any]:
    """The reader's targets for one turn's expectation: intent, kinds (soft), mood, amount."""
    kinds: dict[str, float] = {}
    mood, amount = None, None

    def said(kind: str, share: float = 1.0, how: str | None = None) -> None:
        nonlocal amount
        kinds[kind] = max(kinds.get(kind, 0.0), share)
        if how:
            amount = how

    for reading in expect.get("clarify", ()):  # "add: trumpet": each reading half likely
        name, _, value = reading.partition(":")
        expect_one = {name.strip(): _value(name.strip(), value.strip())}
        for kind in _kinds(expect_one):
            said(kind, 1 / len(expect["clarify"]))
    for kind in _kinds(expect):
        said(kind)
    if "tempo" in expect:
        want = str(expect["tempo"])
        amount = "lot" if want in ("x2", "x0.5") or want.endswith("lot") else \
            "little" if want.endswith("little") else "normal"
    if "mood" in expect:
        words = str(expect["mood"]).replace("less ", "").split()
        mood = words[0]
        amount = {"little": "little", "lot": "lot"}.get(words[-1], "normal")
    intent = ("new" if "new" in expect else "edit" if kinds or any(
        k in expect for k in _EDIT_KEYS) else "question" if "ask" in expect else
              "smalltalk" if "talk" in expect else next(
                  (k for k in ("undo", "redo", "goto", "vary", "again", "blend") if k in expect),
                  "smalltalk"))
    return {"intent": intent, "kinds": kinds, "mood": mood, "amount": amount}


def _value(name: str, value: str) -> Any:
    if name in ("add", "remove"):
        return [value]
    return value


def _kinds(expect: dict) -> list[str]:
    found = []
    tempo = expect.get("tempo")
    if tempo is not None:
        found.append("tempo_set" if isinstance(tempo, int) or str(tempo).isdigit() else
                     "tempo_up" if str(tempo).startswith(("up", "x2")) else "tempo_down")
    if "key" in expect:
        found.append("key")
    if "transpose" in expect:
        down = str(expect["transpose"]).strip().startswith(("-", "down"))
        found.append("transpose_down" if down else "transpose_up")
    if "mode" in expect:
        found.append("mode_minor" if "minor" in str(expect["mode"]) else "mode_major")
    if "relative" in expect:
        found.append("relative")
    if "mood" in expect:
        found.append("mood_less" if str(expect["mood"]).startswith("less") else "mood")
    length = expect.get("length")
    if length is not None:
        found.append("length_set" if isinstance(length, int | float) or str(length).isdigit()
                     else "longer" if str(length) in ("longer", "x2") else "shorter")
    if "density" in expect:
        found.append(f"density_{expect['density']}")
    found += [k for k in ("style", "add", "remove", "swap", "lead", "meter", "rewrite")
              if k in expect]
    return found


def turns(dialogues: list[dict]) -> list[tuple[str, bool, dict, str]]:
    """(line, has_piece, targets, writer) for every turn; a piece exists after a new one."""
    out = []
    for dialogue in dialogues:
        has_piece = False
        for line, expect in dialogue["turns"]:
            out.append((line, has_piece, label(expect), dialogue.get("writer", "hand")))
            has_piece = has_piece or "new" in expect
    return out


def load_corpus() -> tuple[list, list]:
    """(training turns, held-out turns): whole writers held out."""
    from generation.tools.reader_templates import template_dialogues

    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    hand = [json.loads(line) for line in (DATA / "chat_dialogues.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    train = [d for d in rows if d["writer"] not in HELD_OUT]
    train += [d for d in hand if d["split"] == "tune"] + template_dialogues()
    return turns(train), turns([d for d in rows if d["writer"] in HELD_OUT])


def targets(rows: list) -> dict[str, np.ndarray]:
    n = len(rows)
    out = {"intent": np.zeros(n, np.int64), "kinds": np.zeros((n, len(KINDS)), np.float32),
           "mood": np.full(n, -100, np.int64), "amount": np.full(n, -100, np.int64)}
    for i, (_, _, t, _) in enumerate(rows):
        out["intent"][i] = INTENTS.index(t["intent"])
        for kind, share in t["kinds"].items():
            out["kinds"][i, KINDS.index(kind)] = share
        if t["mood"] in MOODS:
            out["mood"][i] = MOODS.index(t["mood"])
        if t["amount"]:
            out["amount"][i] = AMOUNTS.index(t["amount"])
    return out


def build_reader(hidden: int, dropout: float):
    """The heads as one torch module: features (B, 385) → logits per head."""
    from torch import nn

    class TorchReader(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.trunk = nn.Sequential(nn.Linear(385, hidden), nn.GELU(), nn.Dropout(dropout))
            self.intent = nn.Linear(hidden, len(INTENTS))
            self.kinds = nn.Linear(hidden, len(KINDS))
            self.mood = nn.Linear(hidden, len(MOODS))
            self.amount = nn.Linear(hidden, len(AMOUNTS))

        def forward(self, x):
            shared = self.trunk(x)  # (B, hidden)
            return {name: getattr(self, name)(shared)
                    for name in ("intent", "kinds", "mood", "amount")}

    return TorchReader()


def fit(x: np.ndarray, y: dict[str, np.ndarray], config: dict):
    import torch
    from torch.nn import functional as F

    torch.manual_seed(config["seed"])
    model = build_reader(config["hidden"], config["dropout"])
    optimiser = torch.optim.AdamW(model.parameters(), lr=config["lr"],
                                  weight_decay=config["weight_decay"])
    xs = torch.tensor(x)
    ys = {k: torch.tensor(v) for k, v in y.items()}
    order = np.random.default_rng(config["seed"])
    for _ in range(config["epochs"]):
        model.train()
        for batch in np.array_split(order.permutation(len(x)), max(1, len(x) // 256)):
            b = torch.tensor(batch)
            out = model(xs[b])
            loss = F.cross_entropy(out["intent"], ys["intent"][b]) + \
                F.binary_cross_entropy_with_logits(out["kinds"], ys["kinds"][b])
            for head in ("mood", "amount"):
                if (ys[head][b] >= 0).any():
                    loss = loss + 0.5 * F.cross_entropy(out[head], ys[head][b], ignore_index=-100)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    model.eval()
    return model


def measure(guesses: list, rows: list) -> dict[str, Any]:
    """Intent accuracy, exact kind sets on edits, and how often the reader was sure and
    wrong (it should ask instead)."""
    right = [g.intent == t["intent"] for g, (_, _, t, _) in zip(guesses, rows, strict=True)]
    edits = [(g, t) for g, (_, _, t, _) in zip(guesses, rows, strict=True)
             if t["intent"] == "edit" and t["kinds"] and max(t["kinds"].values()) == 1.0]
    kinds = [set(g.named()) == {k for k, v in t["kinds"].items() if v == 1.0} for g, t in edits]
    sure_wrong = [g.sure >= CONFIG["sure"] and not ok for g, ok in zip(guesses, right,
                                                                       strict=True)]
    per_intent = {}
    for intent in INTENTS:
        chosen = [ok for ok, (_, _, t, _) in zip(right, rows, strict=True)
                  if t["intent"] == intent]
        if chosen:
            per_intent[intent] = {"turns": len(chosen), "right": round(sum(chosen) / len(chosen),
                                                                        4)}
    return {"turns": len(rows), "intent": round(sum(right) / max(1, len(rows)), 4),
            "edit kinds exact": round(sum(kinds) / max(1, len(kinds)), 4),
            "sure but wrong": round(sum(sure_wrong) / max(1, len(rows)), 4),
            "per intent": per_intent}


def train(path: Path = READER_PATH, report_path: Path = REPORT_PATH) -> dict[str, Any]:
    """Train the reader on the training writers, save it, and report the held-out writers."""
    from safetensors.numpy import save_file

    from generation.request.classifier import Heads
    from generation.request.reader import HEADS, Reader
    from generation.tools.request_train import encode_cached

    started = time.perf_counter()
    train_rows, held = load_corpus()
    random.Random(CONFIG["seed"]).shuffle(train_rows)
    cache = Path(".cache") / "reader_vectors"
    x = features(encode_cached([r[0] for r in train_rows], cache), [r[1] for r in train_rows])
    model = fit(x, targets(train_rows), CONFIG)
    weights = {name: t.detach().numpy().copy() for name, t in model.state_dict().items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(weights, str(path), metadata={"config": json.dumps(CONFIG),
                                            "labels_hash": reader_hash()})
    reader = Reader.__new__(Reader)
    reader.heads, reader.config, reader.sure = Heads(weights, HEADS), CONFIG, CONFIG["sure"]

    class Cached:
        def encode(self, texts):
            return encode_cached(texts, cache)

    reader.encoder = Cached()
    report = {
        "command": "tunesmith train reader", "train_turns": len(train_rows),
        "writers_trained": sorted({r[3] for r in train_rows}), "held_out_writers": HELD_OUT,
        "held_out": measure(reader.guess_many([r[0] for r in held], [r[1] for r in held]),
                            held),
        "train_s": round(time.perf_counter() - started, 1), "config": CONFIG,
    }
    report_path.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return report
