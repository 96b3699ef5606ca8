"""The fake Discord's voice side, on loopback: what the real discord.py voice client talks to.

- Main gateway op 4 (the bot's voice state) → `VOICE_STATE_UPDATE` for the bot, and when it
  joins a channel `VOICE_SERVER_UPDATE` {token, guild_id, endpoint "127.0.0.1:PORT"}.
- A voice websocket at `/` of the same server: op 8 HELLO → op 0 IDENTIFY (session, token
  and user checked) → op 2 READY {ssrc, ip, port, modes} → op 1 SELECT_PROTOCOL → op 4
  SESSION_DESCRIPTION {mode, secret_key, dave_protocol_version 0}; heartbeats (op 3 → 6),
  SPEAKING (op 5) recorded, RESUME (op 7) → RESUMED (op 9).
- A UDP endpoint answering IP discovery (74-byte packets) and receiving RTP: each packet is
  decrypted with the key handed out (`aead_xchacha20_poly1305_rtpsize`, PyNaCl) and its Opus
  frame decoded with discord.py's own decoder into 48 kHz stereo PCM.

No DAVE (end-to-end encryption) is negotiated: SESSION_DESCRIPTION says protocol version 0,
so the client stays on transport encryption only. discord.py builds the voice URL as
`wss://`; `patch_voice` rewrites it to `ws://` in `HTTPClient.ws_connect`.
Users join and leave voice channels with `join_voice`; the bot hears of it through
`VOICE_STATE_UPDATE` only if it asked for the `voice_states` intent.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import struct
import time
from dataclasses import dataclass, field
from typing import Any

import discord
import nacl.secret
import numpy as np
from aiohttp import web

from tests.fake_discord_data import APP_ID, GUILD_ID, USERS, member_payload

INTENT_VOICE_STATES = 1 << 7
LATENCY_S = 0.02  # the gateway's answer to a voice state update comes back this late
MODE = "aead_xchacha20_poly1305_rtpsize"
MODES = [MODE, "xsalsa20_poly1305_lite", "xsalsa20_poly1305_suffix", "xsalsa20_poly1305"]
FRAME_SAMPLES = 960  # 20 ms at 48 kHz
SAMPLE_RATE = 48_000


@dataclass
class VoiceSession:
    """One voice websocket of the bot, and the audio that reached the UDP endpoint for it."""

    ssrc: int
    channel_id: int | None
    key: bytes = field(default_factory=lambda: os.urandom(32))
    mode: str | None = None
    identify: dict[str, Any] | None = None
    speaking: list[int] = field(default_factory=list)  # every SPEAKING flag the bot sent
    # (arrival time.monotonic(), RTP sequence, RTP timestamp, PCM int16 stereo bytes)
    frames: list[tuple[float, int, int, bytes]] = field(default_factory=list)
    bad_packets: int = 0  # packets that did not decrypt or decode
    closed: bool = False
    decoder: Any = None

    def pcm(self) -> np.ndarray:
        """Every decoded frame in RTP order: (samples, 2) int16 at 48 kHz."""
        frames = sorted(self.frames, key=lambda frame: frame[2])
        if not frames:
            return np.zeros((0, 2), np.int16)
        return np.frombuffer(b"".join(f[3] for f in frames), np.int16).reshape(-1, 2)


class VoiceUdp(asyncio.DatagramProtocol):
    """The voice server's UDP side: IP discovery and RTP in."""

    def __init__(self, sessions: dict[int, VoiceSession]):
        self.sessions = sessions
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) == 74 and data[:2] == b"\x00\x01":  # IP discovery request
            answer = bytearray(74)
            struct.pack_into(">HHI", answer, 0, 2, 70, struct.unpack_from(">I", data, 4)[0])
            answer[8:8 + len(addr[0])] = addr[0].encode()
            struct.pack_into(">H", answer, 72, addr[1])
            self.transport.sendto(bytes(answer), addr)
            return
        if len(data) < 12 + 16 + 4 or data[0] != 0x80:
            return
        sequence, timestamp, ssrc = struct.unpack_from(">HII", data, 2)
        session = self.sessions.get(ssrc)
        if session is None or session.mode != MODE:
            return
        try:
            box = nacl.secret.Aead(session.key)
            opus = box.decrypt(data[12:-4], data[:12], data[-4:] + bytes(20))
            if session.decoder is None:
                session.decoder = discord.opus.Decoder()
            pcm = session.decoder.decode(opus, fec=False)
        except Exception:  # a packet the real server would drop
            session.bad_packets += 1
            return
        session.frames.append((time.monotonic(), sequence, timestamp, pcm))


def rewrite_voice_urls() -> Any:
    """Rewrite discord.py's `wss://` voice URLs for loopback to `ws://`; returns the undo."""
    original = discord.http.HTTPClient.ws_connect

    async def ws_connect(http, url: str, **kwargs):
        if url.startswith("wss://127.0.0.1:"):
            url = "ws://" + url[len("wss://"):]
        return await original(http, url, **kwargs)

    discord.http.HTTPClient.ws_connect = ws_connect
    return lambda: setattr(discord.http.HTTPClient, "ws_connect", original)


class VoiceActions:
    """Mixed into FakeDiscord: voice channels, the voice websocket and the UDP endpoint."""

    def _voice_init(self) -> None:
        self.voice_states: dict[int, int] = {}  # user id → voice channel id
        self.voice_sessions: list[VoiceSession] = []
        self.voice_by_ssrc: dict[int, VoiceSession] = {}
        self.voice_tokens: dict[str, int | None] = {}  # voice server token → channel
        self.voice_updates: list[dict[str, Any]] = []  # every op 4 the bot sent
        self._ssrcs = itertools.count(1001)
        self._udp: VoiceUdp | None = None

    async def _voice_start(self, app: web.Application) -> None:
        app.router.add_get("/", self._voice_socket)
        loop = asyncio.get_running_loop()
        transport, self._udp = await loop.create_datagram_endpoint(
            lambda: VoiceUdp(self.voice_by_ssrc), local_addr=("127.0.0.1", 0))
        self.udp_port = transport.get_extra_info("sockname")[1]

    def _voice_close(self) -> None:
        if self._udp is not None and self._udp.transport is not None:
            self._udp.transport.close()

    def patch_voice(self) -> Any:
        return rewrite_voice_urls()

    def voice_state_payload(self, user_id: int, channel_id: int | None) -> dict[str, Any]:
        member = member_payload(user_id) if user_id in USERS else {
            "user": {"id": str(APP_ID), "username": "tunesmith", "global_name": "tunesmith",
                     "discriminator": "0", "avatar": None, "bot": True}, "roles": [],
            "joined_at": "2024-01-01T00:00:00+00:00", "deaf": False, "mute": False, "flags": 0}
        return {"guild_id": str(GUILD_ID), "channel_id": str(channel_id) if channel_id else None,
                "user_id": str(user_id), "member": member, "session_id": f"voice-{user_id}",
                "deaf": False, "mute": False, "self_deaf": False, "self_mute": False,
                "self_video": False, "suppress": False, "request_to_speak_timestamp": None}

    def guild_voice_states(self) -> list[dict[str, Any]]:
        """The voice states GUILD_CREATE carries (only with the voice_states intent)."""
        if not self.identify or not self.identify["intents"] & INTENT_VOICE_STATES:
            return []
        return [self.voice_state_payload(user, channel)
                for user, channel in self.voice_states.items()]

    async def join_voice(self, user_id: int, channel_id: int | None) -> None:
        """`user_id` joins voice channel `channel_id` (None: leaves voice)."""
        if channel_id is None:
            self.voice_states.pop(user_id, None)
        else:
            self.voice_states[user_id] = channel_id
        if self.sockets and self.identify and self.identify["intents"] & INTENT_VOICE_STATES:
            await self._dispatch(self.sockets[-1], "VOICE_STATE_UPDATE",
                                 self.voice_state_payload(user_id, channel_id))

    def bot_voice_channel(self) -> int | None:
        return self.voice_states.get(APP_ID)

    async def _voice_state_update(self, socket: web.WebSocketResponse,
                                  data: dict[str, Any]) -> None:
        """The bot's op 4: it joins, moves or leaves a voice channel."""
        self.voice_updates.append(data)
        channel = int(data["channel_id"]) if data.get("channel_id") else None
        if channel is None:
            self.voice_states.pop(APP_ID, None)
        else:
            self.voice_states[APP_ID] = channel
        state = self.voice_state_payload(APP_ID, channel)
        state["session_id"] = "fake-session"  # the gateway session's id, as Discord sends
        # a network's round trip: on loopback in one event loop the answer could otherwise be
        # read before discord.py, still returning from its send, expects it, and a leave then
        # waits out its confirmation timeout (30 s) when the bot closes
        await asyncio.sleep(LATENCY_S)
        await self._dispatch(socket, "VOICE_STATE_UPDATE", state)
        if channel is not None:
            token = f"voice-token-{next(self._ssrcs)}"
            self.voice_tokens[token] = channel
            await self._dispatch(socket, "VOICE_SERVER_UPDATE", {
                "token": token, "guild_id": str(GUILD_ID), "endpoint": f"127.0.0.1:{self.port}"})
        await self._notify()

    async def _voice_socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"op": 8, "d": {"heartbeat_interval": 13_750.0}})
        session: VoiceSession | None = None
        async for message in socket:
            if message.type != web.WSMsgType.TEXT:
                continue
            frame = json.loads(message.data)
            op, data = frame["op"], frame.get("d") or {}
            if op in (0, 7):  # IDENTIFY, or RESUME of the same session
                session = await self._voice_identify(socket, op, data, session)
                if session is None:
                    break
            elif op == 3:
                await socket.send_json({"op": 6, "d": {"t": data.get("t")}})
            elif op == 1 and session is not None:
                session.mode = data["data"]["mode"]
                await socket.send_json({"op": 4, "d": {
                    "mode": session.mode, "secret_key": list(session.key),
                    "dave_protocol_version": 0, "media_session_id": "fake"}})
            elif op == 5 and session is not None:
                session.speaking.append(int(data["speaking"]))
            await self._notify()
        if session is not None:
            session.closed = True
            await self._notify()
        return socket

    async def _voice_identify(self, socket: web.WebSocketResponse, op: int,
                              data: dict[str, Any],
                              session: VoiceSession | None) -> VoiceSession | None:
        token = data.get("token")
        if (token not in self.voice_tokens or data.get("server_id") != str(GUILD_ID)
                or data.get("session_id") != "fake-session"
                or (op == 0 and data.get("user_id") != str(APP_ID))):
            await socket.close(code=4004, message=b"Authentication failed")
            return None
        if op == 7 and session is not None:
            await socket.send_json({"op": 9, "d": None})
            return session
        session = VoiceSession(ssrc=next(self._ssrcs), channel_id=self.voice_tokens[token],
                               identify=data)
        self.voice_sessions.append(session)
        self.voice_by_ssrc[session.ssrc] = session
        await socket.send_json({"op": 2, "d": {
            "ssrc": session.ssrc, "ip": "127.0.0.1", "port": self.udp_port, "modes": MODES,
            "heartbeat_interval": 1}})
        return session

    # Reading what was heard -----------------------------------------------------------------

    def heard(self) -> np.ndarray:
        """All audio the bot sent, every session in turn: (samples, 2) int16 at 48 kHz."""
        parts = [session.pcm() for session in self.voice_sessions]
        return np.concatenate(parts) if parts else np.zeros((0, 2), np.int16)

    def heard_frames(self) -> int:
        return sum(len(session.frames) for session in self.voice_sessions)
