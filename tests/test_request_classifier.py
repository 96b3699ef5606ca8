"""The learned heads: committed weights load, refuse other labels, keep their held-out scores."""

import json

import numpy as np
import pytest

from generation.request.classifier import HEADS_PATH, load_heads
from generation.tools.request_corpus import build_corpus, read_corpus, read_seeds
from generation.vocab import MOODS, STYLES, TEMPO_FEELS
from models.core.errors import ModelError


@pytest.fixture(scope="module")
def classifier():
    from generation.request.classifier import shared_classifier

    return shared_classifier()


def test_the_committed_corpus_is_large_split_by_family_and_rebuilt_exactly():
    corpus = read_corpus()
    assert len(corpus) >= 2000
    train = {e.family for e in corpus if e.split == "train"}
    test = {e.family for e in corpus if e.split == "test"}
    assert train and test and not train & test
    assert 0.1 <= len(test) / (len(train) + len(test)) <= 0.3
    assert corpus == build_corpus(), "the corpus file is stale: run `tunesmith train parser`"
    for example in corpus:
        assert set(example.moods) <= set(MOODS) and set(example.styles) <= set(STYLES)
        assert example.tempo in TEMPO_FEELS
    assert len(read_seeds()) >= 500


def test_the_encoder_gives_unit_vectors(classifier):
    vectors = classifier.encoder.encode(["calm piano", "calm piano", "villain music"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.abs(np.linalg.norm(vectors, axis=-1) - 1).max() < 1e-4
    assert np.abs(vectors[0] - vectors[1]).max() < 1e-6
    assert np.abs(vectors[0] - vectors[2]).max() > 0.01


def test_saved_torch_heads_give_the_same_logits_in_numpy(tmp_path):
    import torch

    from generation.tools.request_train import build_heads, save_heads

    path = tmp_path / "heads.safetensors"
    trained = build_heads(hidden=16).eval()
    save_heads(trained, path, {"hidden": 16})
    heads, config = load_heads(path)
    assert config == {"hidden": 16}
    vectors = np.random.default_rng(0).standard_normal((5, 384)).astype(np.float32)
    with torch.inference_mode():
        expected = trained(torch.from_numpy(vectors))
    for name, logits in heads(vectors).items():
        assert np.abs(logits - expected[name].numpy()).max() < 1e-5, name


def test_heads_made_for_other_labels_are_refused(tmp_path):
    from generation.tools.request_train import build_heads, save_heads

    path = tmp_path / "heads.safetensors"
    save_heads(build_heads(hidden=16), path, {"hidden": 16})
    load_heads(path)  # the same labels load
    from safetensors.numpy import load_file, save_file

    save_file(load_file(str(path)), str(path), metadata={"config": json.dumps({"hidden": 16}),
                                                         "labels_hash": "0000"})
    with pytest.raises(ModelError, match="other labels"):
        load_heads(path)
    with pytest.raises(ModelError, match="train parser"):
        load_heads(tmp_path / "missing.safetensors")


def test_the_committed_heads_keep_their_held_out_scores(classifier):
    from generation.tools.request_train import score

    heads, config = load_heads(HEADS_PATH)
    test = [e for e in read_corpus() if e.split == "test"]
    from generation.request.parse import encoder_input

    vectors = classifier.encoder.encode([encoder_input(e.text) for e in test])
    scores = score(heads, vectors, test, float(config["mood_threshold"]))
    # Floors a little under the measured figures in generation/data/parser_report.json.
    assert scores["mood"]["accuracy"] >= 0.78
    assert scores["mood"]["macro_f1"] >= 0.55
    assert scores["style"]["accepted"] >= 0.75
    assert scores["tempo"]["accuracy"] >= 0.65


@pytest.mark.parametrize(("text", "moods", "styles"), [
    ("villain music", {"dark", "epic", "tense"}, {"cinematic", "rock"}),
    ("rainy sunday afternoon", {"calm", "dreamy", "sad"}, {"lofi", "jazz", "ambient"}),
    ("final boss battle", {"epic", "energetic", "tense", "dark"}, {"cinematic", "rock",
                                                                   "chiptune", "electronic"}),
    ("candlelit dinner for two", {"romantic", "calm"}, {"jazz", "classical"}),
    ("a haunted house at midnight", {"tense", "dark", "mysterious"}, {"cinematic", "ambient"}),
    ("kids birthday party", {"happy", "playful", "energetic"}, {"pop", "chiptune",
                                                               "electronic"}),
])
def test_scenes_get_moods_and_styles_a_musician_accepts(classifier, text, moods, styles):
    from generation.request.parse import parse_request

    request = parse_request(text, classifier=classifier)
    assert request.mood in moods and request.style in styles


def test_a_second_held_out_set_of_typical_requests(classifier):
    """generation/data/request_probe.tsv was written apart from the seeds, with every answer a
    musician would accept; parse_request (tables + heads + rules) must mostly land in it."""
    from generation.tools.request_train import score_probe

    scores = score_probe(classifier)
    assert scores["examples"] >= 80
    assert scores["mood_accepted"] >= 0.88 and scores["style_accepted"] >= 0.8
