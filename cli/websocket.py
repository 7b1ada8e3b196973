"""A small WebSocket client (RFC 6455) on the standard library: enough to follow ComfyUI's /ws.

It connects over plain TCP (``ws://``), receives text and binary messages, answers pings and
closes cleanly. It sends only control frames; ComfyUI's socket needs nothing else from us.
"""

from __future__ import annotations

import base64
import hashlib
import os
import select
import socket
import struct
from urllib.parse import urlsplit

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA
_CONTINUATION = 0x0


class WebSocketClosed(ConnectionError):
    """The server closed the connection."""


class WebSocket:
    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = b""

    @classmethod
    def connect(cls, url: str, timeout: float = 30.0) -> WebSocket:
        """Open ``ws://host:port/path?query`` and complete the opening handshake."""
        parts = urlsplit(url)
        if parts.scheme != "ws":
            raise ValueError(f"only ws:// URLs are supported (got {url!r}); reach the server over plain HTTP")
        port = parts.port or 80
        sock = socket.create_connection((parts.hostname, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {parts.hostname}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        sock.sendall(request.encode())
        ws = cls(sock)
        head = ws._read_until(b"\r\n\r\n").decode("latin-1")
        status = head.split("\r\n", 1)[0]
        if " 101 " not in status + " ":
            sock.close()
            raise ConnectionError(f"the server refused the WebSocket at {url}: {status}")
        expected = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        headers = {
            k.strip().lower(): v.strip()
            for k, _, v in (line.partition(":") for line in head.split("\r\n")[1:])
        }
        if headers.get("sec-websocket-accept") != expected:
            sock.close()
            raise ConnectionError("the server's WebSocket handshake answer is wrong")
        return ws

    def _read_exact(self, count: int) -> bytes:
        while len(self._buffer) < count:
            chunk = self._sock.recv(max(65536, count - len(self._buffer)))
            if not chunk:
                raise WebSocketClosed("the server closed the connection")
            self._buffer += chunk
        data, self._buffer = self._buffer[:count], self._buffer[count:]
        return data

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self._buffer:
            chunk = self._sock.recv(65536)
            if not chunk:
                raise WebSocketClosed("the server closed the connection during the handshake")
            self._buffer += chunk
        head, _, self._buffer = self._buffer.partition(marker)
        return head

    def _frame(self) -> tuple[bool, int, bytes]:
        first, second = self._read_exact(2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack(">H", self._read_exact(2))[0]
        elif length == 127:
            length = struct.unpack(">Q", self._read_exact(8))[0]
        mask = self._read_exact(4) if second & 0x80 else None
        payload = self._read_exact(length)
        if mask is not None:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return bool(first & 0x80), first & 0x0F, payload

    def _send(self, opcode: int, payload: bytes = b"") -> None:
        """A client frame: always masked, as the protocol requires."""
        mask = os.urandom(4)
        head = bytes([0x80 | opcode])
        if len(payload) < 126:
            head += bytes([0x80 | len(payload)])
        elif len(payload) < 1 << 16:
            head += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", len(payload))
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self._sock.sendall(head + mask + masked)

    def receive(self, wait: float | None = None) -> tuple[int, bytes]:
        """The next whole message as (TEXT or BINARY, payload); pings are answered on the way.
        With ``wait``, TimeoutError if no message starts within that many seconds."""
        if wait is not None and not self._buffer and not select.select([self._sock], [], [], wait)[0]:
            raise TimeoutError(f"no message within {wait} s")
        opcode, parts = None, []
        while True:
            final, code, payload = self._frame()
            if code == PING:
                self._send(PONG, payload)
                continue
            if code == PONG:
                continue
            if code == CLOSE:
                self.close()
                raise WebSocketClosed("the server closed the connection")
            if code != _CONTINUATION:
                opcode = code
            parts.append(payload)
            if final:
                return opcode, b"".join(parts)

    def close(self) -> None:
        try:
            self._send(CLOSE, struct.pack(">H", 1000))
        except OSError:
            pass
        self._sock.close()
