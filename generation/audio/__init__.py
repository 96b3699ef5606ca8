"""Stage 3, sound and picture: MIDI → MP3 through FluidSynth, and a PNG piano roll."""
