"""Standard MIDI File bytes built by hand, for tests that need exact (and hostile) files."""

import struct

END = b"\x00\xff\x2f\x00"  # end of track


def vlq(value: int) -> bytes:
    """MIDI variable-length quantity (7 bits a byte, high bit = more follows)."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def chunk(kind: bytes, data: bytes, length: int | None = None) -> bytes:
    return kind + struct.pack(">I", len(data) if length is None else length) + data


def header(tracks: int = 1, division: bytes = struct.pack(">H", 480), fmt: int = 1) -> bytes:
    return chunk(b"MThd", struct.pack(">HH", fmt, tracks) + division)


def track(events: bytes) -> bytes:
    return chunk(b"MTrk", events + END)


def notes(count: int, delta: int = 120, length: int = 120) -> bytes:
    one = vlq(0) + b"\x90\x3c\x40" + vlq(length) + b"\x80\x3c\x40"
    return (vlq(delta) + b"\x90\x3c\x40" + vlq(length) + b"\x80\x3c\x40") * (count - 1) + one


def tempo(microseconds_per_beat: int) -> bytes:
    return b"\x00\xff\x51\x03" + microseconds_per_beat.to_bytes(3, "big")
