"""The examples /help shows are read the way a user reading them would expect."""

from __future__ import annotations

import pytest

from bot.handlers.commands import EXAMPLES

EXPECTED = {
    "calm piano in D minor": {"mood": "calm", "key": "D minor", "instruments": ["piano"]},
    "happy celtic fiddle tune at 140 bpm": {"style": "celtic", "tempo_bpm": 140,
                                            "instruments": ["violin"]},
    "dark cinematic strings and timpani, slow": {"style": "cinematic",
                                                 "instruments": ["strings", "timpani"]},
    "lofi electric piano for studying, 60 seconds": {"style": "lofi", "duration_s": 60.0,
                                                     "instruments": ["electric piano"]},
    "playful chiptune in 3/4": {"mood": "playful", "style": "chiptune", "meter": "3/4"},
    "romantic jazz saxophone ballad in Eb major": {"style": "jazz", "key": "Eb major",
                                                   "instruments": ["saxophone"]},
}


@pytest.mark.slow
def test_every_help_example_is_understood():
    from generation.request.parse import parse_request

    assert set(EXAMPLES) == set(EXPECTED)
    for example in EXAMPLES:
        request = parse_request(example).to_json()
        assert request["notes"] == [], example
        for field, value in EXPECTED[example].items():
            assert request[field] == value, (example, field)
