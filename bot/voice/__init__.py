"""The bot in voice channels: `/play` a piece to everyone there, `/radio` that composes
without end and follows the chat.

- audio.py: a piece's MP3 decoded to 48 kHz PCM; the stream of pieces with crossfades
- rooms.py: one voice connection per server; who may be played to; leaving when alone
- commands.py: /play, /stop, /leave, /radio and the ▶️ control under every piece
- radio.py: the radio: the next piece composed while one plays, crossfaded, steered by the chat
"""
