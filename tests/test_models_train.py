"""Training: a tiny model lowers its loss in a few steps, resumes, and exports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.core.grid import Piece
from models.core.tokenizer import Tokenizer
from models.evaluation.ngram import NGram
from models.networks import torch_checkpoint
from models.training import corpus, train


@pytest.fixture(scope="module")
def arrays():
    import music21

    root = Path(music21.__file__).parent / "corpus"
    tokenizer = Tokenizer()
    pieces = [Piece.from_json(d) for d in corpus.load_file(str(root / "oneills1850" /
                                                                   "0001-0050.abc"))]
    chunks = [c for p in pieces for c in tokenizer.encode_chunks(p, 64)]
    lengths = np.array([len(c) for c in chunks])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    stream = np.array([t for c in chunks for t in c], dtype=np.int16)
    return {split: (stream, starts) for split in ("train", "valid", "test")}


def tiny(arch: str, steps: int) -> train.TrainConfig:
    return train.TrainConfig(arch=arch, n_layer=1, n_embd=32, n_head=2, context=64, batch=8,
                             lr=1e-2, warmup=5, steps=steps, minutes=5, eval_every=1000,
                             threads=1)


@pytest.mark.parametrize("arch", ["transformer", "gru"])
def test_a_few_steps_lower_the_loss_and_export_a_loadable_checkpoint(arrays, tmp_path, arch):
    tokenizer = Tokenizer()
    fresh = torch_checkpoint.build_model(arch, train._model_config(tiny(arch, 1), len(tokenizer)))
    before = train.chunk_nll(fresh, *arrays["valid"], limit=40)
    result = train.train(tiny(arch, 100), tmp_path, tmp_path / "run",
                         export=tmp_path / "export", arrays=arrays)
    assert result["step"] == 100
    assert result["best_valid_nll"] < before - 1.0
    # and it learned sequence structure, not just token frequencies
    unigram = NGram(1, len(tokenizer)).fit(*arrays["train"]).nll(*arrays["valid"])
    assert result["best_valid_nll"] < unigram - 0.3
    loaded, meta = torch_checkpoint.load(tmp_path / "export", tokenizer.vocab_hash)
    assert meta["arch"] == arch and meta["dtype"] == "float16"
    assert train.chunk_nll(loaded, *arrays["valid"], limit=40) < before - 1.0


def test_training_resumes_where_it_stopped(arrays, tmp_path, caplog):
    train.train(tiny("transformer", 10), tmp_path, tmp_path / "run", arrays=arrays)
    with caplog.at_level("INFO", logger="models.training.train"):
        result = train.train(tiny("transformer", 20), tmp_path, tmp_path / "run", arrays=arrays)
    assert "resuming" in caplog.text and "step 10" in caplog.text
    assert result["step"] == 20
