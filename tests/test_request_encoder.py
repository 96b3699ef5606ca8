"""The numpy MiniLM gives the vectors transformers' BertModel gives, and reading a request
imports neither torch nor transformers (nor anything else it does not use)."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from generation.request.encoder import MAX_TOKENS, Encoder, model_folder
from models.core.ops import gelu

SENTENCES = [
    "calm piano in D minor",
    "villain music",
    "une valse en ré mineur pour violon",
    "D小调 钢琴 每分钟140拍",
    "8-bit boss battle!!! (energetic, chiptune)",
    "asdfghjkl",
    "x",
    "rainy sunday afternoon with a cup of tea and nothing to do, " * 4,  # long, one window
]


@pytest.fixture(scope="module")
def encoder():
    return Encoder()


def transformers_reference(texts: list[str]) -> tuple[np.ndarray, dict[str, int]]:
    """What the encoder computed before it was written in numpy (transformers' BertModel, mean
    pooling over the attention mask, unit length), and word-piece counts of a few words."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    folder = model_folder()
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = transformers.AutoModel.from_pretrained(folder, local_files_only=True).eval()
    with torch.inference_mode():
        batch = tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS,
                          return_tensors="pt")
        states = model(**batch).last_hidden_state  # (B, T, 384)
        mask = batch["attention_mask"].unsqueeze(-1).to(states.dtype)  # (B, T, 1)
        pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        vectors = torch.nn.functional.normalize(pooled, dim=-1).numpy()
    pieces = {word: len(tokenizer.tokenize(word)) for word in ("piano", "fiddle", "zxqv")}
    return vectors, pieces


def test_the_numpy_encoder_matches_transformers(encoder):
    expected, pieces = transformers_reference(SENTENCES)
    got = encoder.encode(SENTENCES)
    assert got.shape == expected.shape == (len(SENTENCES), 384)
    assert np.abs(got - expected).max() < 1e-5
    assert {word: encoder.word_pieces(word) for word in pieces} == pieces


def test_a_vector_does_not_depend_on_its_batch(encoder):
    alone = np.stack([encoder.encode([text])[0] for text in SENTENCES])
    together = encoder.encode(SENTENCES, batch_size=3)  # padded beside longer texts
    assert np.abs(alone - together).max() < 1e-5
    assert encoder.encode([]).shape == (0, 384)


def test_gelu_is_the_exact_one():
    from math import erf, sqrt

    x = np.linspace(-8, 8, 2001, dtype=np.float32)
    exact = np.array([0.5 * v * (1 + erf(v / sqrt(2))) for v in x.tolist()])
    assert np.abs(gelu(x) - exact).max() < 2e-6


def test_reading_a_request_imports_no_library_it_does_not_use():
    code = ("import json, sys; from bot.cli import main; "
            "main(['parse', 'calm piano', '--json']); "
            "print(json.dumps(sorted(m for m in ('torch', 'transformers', 'matplotlib', "
            "'discord', 'music21', 'scipy', 'sklearn', 'generation.request.encoder') "
            "if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True, cwd=Path(__file__).resolve().parents[1])
    request, loaded = (json.loads(line) for line in done.stdout.splitlines())
    assert request["instruments"] == ["piano"]
    assert loaded == ["generation.request.encoder"]  # the request went through the encoder


def test_a_long_description_is_read_whole_in_windows_of_whole_words():
    from generation.request.encoder import WINDOW_CHARS, windows

    text = " ".join(f"word{i} is here" for i in range(120))  # about 1,600 characters
    parts = windows(text)
    assert len(parts) > 1 and all(len(p) <= WINDOW_CHARS for p in parts)
    words = text.split()
    assert all(set(p.split()) <= set(words) for p in parts)  # no word cut
    assert {w for p in parts for w in p.split()} == set(words)  # nothing left out
    assert windows("calm piano in D minor") == ["calm piano in D minor"]


def test_a_long_text_is_the_mean_of_its_windows(encoder):
    from generation.request.encoder import windows

    text = ("A wistful classical piece for piano and cello in a slow three-four, " * 8).strip()
    whole = encoder.encode([text])[0]
    parts = encoder.encode(windows(text)).mean(0)
    assert np.allclose(whole, parts / np.linalg.norm(parts), atol=1e-6)
