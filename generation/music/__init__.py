"""Stage 2, composing: a Request (or an upload) → Spec → plan → melody → arranged MIDI."""
