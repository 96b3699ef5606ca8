"""What the product takes from models/: the melody model, the critic, the phrase VAE and the
values they speak in, all in numpy (nothing here imports torch, models.training or
models.evaluation; tests/test_layers.py checks). generation/ imports these names from here
and the error tree from models.core.errors.

    from models.inference import Chord, Controls, MelodyModel, Note
"""

from models.core.grid import METERS, PITCH_RANGE, TICKS, notes_to_bars, top_notes
from models.core.harmony import MODES, QUALITIES, Chord, fit_bars
from models.core.notes import Controls, Note
from models.core.ops import gelu, layer_norm, softmax
from models.core.tokenizer import STYLE_COLLECTION, Tokenizer, density_of
from models.inference import phrases
from models.inference.critic import NumpyCritic
from models.inference.phrases import phrase_spans
from models.inference.progressions import corpus_progressions
from models.inference.sampler import CRAFT, MelodyModel
from models.inference.vae_numpy import PhraseCodec

__all__ = [
    "CRAFT", "METERS", "MODES", "PITCH_RANGE", "QUALITIES", "STYLE_COLLECTION", "TICKS", "Chord",
    "Controls", "MelodyModel", "Note", "NumpyCritic", "PhraseCodec", "Tokenizer",
    "corpus_progressions", "density_of", "fit_bars",
    "gelu", "layer_norm", "notes_to_bars", "phrase_spans", "phrases", "softmax", "top_notes",
]
