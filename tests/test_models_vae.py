"""The phrase VAE: the grid encoding on real corpus phrases, the network's shapes, and the
numpy inference against torch."""

from __future__ import annotations

import numpy as np
import pytest

from models.core.grid import Piece
from models.core.harmony import Chord
from models.inference import phrases
from models.training import corpus, phrase_corpus

CORPUS_FILES = ("ryansMammoth/AbithaMugginsFavoriteReel.abc", "bach/bwv104.6.mxl",
                "oneills1850/0001-0050.abc", "essenFolksong/han1.abc")


@pytest.fixture(scope="module")
def pieces() -> list[Piece]:
    import music21

    root = __import__("pathlib").Path(music21.__file__).parent / "corpus"
    found = [Piece.from_json(d) for name in CORPUS_FILES
             for d in corpus.load_file(str(root / name))[:6]]
    assert len(found) >= 10
    return found


def _absolute(piece: Piece) -> list[tuple[int, int, int]]:
    offsets = np.cumsum([0] + [bar.length for bar in piece.bars])
    return [(int(offsets[i]) + o, d, p) for i, bar in enumerate(piece.bars)
            for o, d, p in bar.notes]


@pytest.mark.slow  # music21 parses the corpus files for 16 s
def test_pieces_on_the_sixteenth_grid_round_trip_exactly(pieces):
    on_grid = 0
    for piece in pieces:
        notes = _absolute(piece)
        tokens = phrase_corpus.piece_tokens(piece.bars)
        assert (phrases.notes_to_tokens(phrases.tokens_to_notes(tokens), len(tokens))
                == tokens).all(), piece.name
        if all(o % 3 == 0 and d % 3 == 0 for o, d, _ in notes):
            on_grid += 1
            assert phrases.tokens_to_notes(tokens) == notes, piece.name
    assert on_grid >= len(pieces) // 2


@pytest.mark.slow  # music21 parses the corpus files for 16 s
def test_corpus_windows_hold_two_bars_of_each_piece(pieces):
    tokens, keys, chords = phrase_corpus.corpus_windows(pieces, one_bar_share=0.0)
    assert tokens.shape[1] == phrases.STEPS and len(tokens) == len(keys) == len(chords)
    reel = pieces[0]
    steps = reel.bars[0].length // phrases.STEP_TICKS
    first = phrase_corpus.piece_tokens(reel.bars)[: 2 * steps]
    assert (tokens[0, : 2 * steps] == first).all()
    assert (tokens[0, 2 * steps:] == phrases.PAD).all()
    feats = phrase_corpus.batch_features(keys[:3], chords[:3])
    assert feats.shape == (3, phrases.STEPS, phrases.FEATURES)
    # the inside flag (last column) covers exactly the steps that are not padding
    assert ((feats[..., -1] == 1) == (tokens[:3] != phrases.PAD)).all()


def test_triplets_snap_to_the_nearest_sixteenth_and_later_onsets_win():
    # three eighth-note triplets (4 ticks each) from tick 0, then a quarter at tick 12
    tokens = phrases.notes_to_tokens([(0, 4, 60), (4, 4, 62), (8, 4, 64), (12, 12, 65)], 8)
    assert phrases.tokens_to_notes(tokens) == [(0, 3, 60), (3, 6, 62), (9, 3, 64), (12, 12, 65)]
    # a grace-like note one tick before another shares its step: the later one is kept
    tokens = phrases.notes_to_tokens([(11, 1, 67), (12, 6, 69)], 8)
    assert phrases.tokens_to_notes(tokens) == [(12, 6, 69)]


def test_features_follow_the_chord_of_each_bar_and_pad_after_the_phrase():
    feats = phrases.features("3/4", [Chord(0, "maj"), Chord(7, "dom7")], "major", "essen")
    per_bar = phrases.bar_steps("3/4")
    assert per_bar == 12
    assert feats[0, 0] == 1 and feats[per_bar, 7] == 1  # chord roots
    assert feats[per_bar, 12 + 5] == 1 and feats[0, 12 + 5] == 0  # F is in G7, not in C
    assert not feats[2 * per_bar:].any()
    assert phrases.window_bars("4/2") == 1 and phrases.window_bars("6/8") == 2
    assert phrases.phrase_spans(["4/4"] * 5) == [(0, 2), (2, 2), (4, 1)]


def test_network_shapes_and_loss():
    torch = pytest.importorskip("torch")
    from models.networks.vae import PhraseVAE, VAEConfig, loss_terms

    torch.manual_seed(0)
    model = PhraseVAE(VAEConfig(z=16))
    tokens = torch.randint(1, phrases.VOCAB, (4, phrases.STEPS))
    feats = torch.from_numpy(np.stack([phrases.features(
        "4/4", [Chord(0, "maj"), Chord(5, "maj")], "major", "essen")] * 4))
    logits, mu, logvar = model(tokens, feats)
    assert logits.shape == (4, phrases.STEPS, phrases.VOCAB)
    assert mu.shape == logvar.shape == (4, 16)
    assert torch.isinf(logits[..., phrases.PAD]).all()
    recon, kl, _ = loss_terms(model, tokens, feats)
    assert recon.shape == kl.shape == (4,) and (kl >= 0).all()


def test_numpy_inference_matches_torch(tmp_path):
    torch = pytest.importorskip("torch")
    from models.inference.vae_numpy import PhraseCodec
    from models.networks import torch_checkpoint
    from models.networks.vae import PhraseVAE, VAEConfig

    torch.manual_seed(1)
    model = PhraseVAE(VAEConfig()).eval()
    torch_checkpoint.save(model, "vae", tmp_path / "vae", phrases.vocab_hash(), 0)
    codec = PhraseCodec.load(tmp_path / "vae")
    tokens = torch.randint(1, phrases.VOCAB, (3, phrases.STEPS))
    feats = np.stack([phrases.features("6/8", [Chord(9, "min"), Chord(2, "min")], "minor",
                                       "oneill", bars=n) for n in (2, 1, 2)])
    with torch.inference_mode():
        mu, _ = model.encode(tokens, torch.from_numpy(feats))
        logits = model.decode(mu, torch.from_numpy(feats))
    mu_np = codec.encode(tokens.numpy(), feats)
    assert np.abs(mu_np - mu.numpy()).max() < 1e-4
    finite = np.isfinite(logits.numpy())
    assert np.abs(codec.logits(mu_np, feats)[finite] - logits.numpy()[finite]).max() < 1e-3
    decoded = codec.decode(mu_np, feats)
    assert (decoded[1, phrases.bar_steps("6/8"):] == phrases.PAD).all()
    two_bars = 2 * phrases.bar_steps("6/8")
    assert (decoded[0, :two_bars] != phrases.PAD).all()
    assert (decoded[0, two_bars:] == phrases.PAD).all()


def test_a_checkpoint_for_another_grid_is_refused(tmp_path):
    from models.core.errors import ModelError
    from models.inference.vae_numpy import PhraseCodec

    (tmp_path / "vae.json").write_text('{"vocab_hash": "0000", "config": {}}')
    (tmp_path / "vae.safetensors").write_bytes(b"")
    with pytest.raises(ModelError, match="vocabulary"):
        PhraseCodec.load(tmp_path / "vae")
