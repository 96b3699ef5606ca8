"""Stage 1, reading text: one sentence in, a Request out (slots read exactly, the rest guessed)."""
