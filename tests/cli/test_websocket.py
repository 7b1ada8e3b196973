"""The stdlib WebSocket client against a small RFC 6455 server on a real local socket."""

import base64
import hashlib
import socket
import struct
import threading

import pytest

from talkies.cli.websocket import BINARY, TEXT, WebSocket, WebSocketClosed

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _server_frame(opcode: int, payload: bytes, final: bool = True) -> bytes:
    head = bytes([(0x80 if final else 0) | opcode])
    if len(payload) < 126:
        head += bytes([len(payload)])
    elif len(payload) < 1 << 16:
        head += bytes([126]) + struct.pack(">H", len(payload))
    else:
        head += bytes([127]) + struct.pack(">Q", len(payload))
    return head + payload


def _answer_handshake(conn: socket.socket) -> str:
    """Read the client's upgrade request, accept it; the requested path."""
    request = b""
    while b"\r\n\r\n" not in request:
        request += conn.recv(1024)
    lines = request.decode().split("\r\n")
    headers = {
        name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])
    }
    accept = base64.b64encode(hashlib.sha1((headers["sec-websocket-key"] + GUID).encode()).digest()).decode()
    conn.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
    )
    return lines[0].split()[1]


def _read_client_frame(conn: socket.socket) -> tuple[int, bool, bytes]:
    first, second = conn.recv(2, socket.MSG_WAITALL)
    length = second & 0x7F
    mask = conn.recv(4, socket.MSG_WAITALL)
    payload = conn.recv(length, socket.MSG_WAITALL) if length else b""
    return first & 0x0F, bool(second & 0x80), bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


@pytest.fixture
def server():
    listener = socket.create_server(("127.0.0.1", 0))
    seen = {}

    def serve():
        conn, _ = listener.accept()
        with conn:
            seen["path"] = _answer_handshake(conn)
            conn.sendall(_server_frame(TEXT, b'{"type": "status"}'))
            conn.sendall(_server_frame(0x9, b"are you there"))
            seen["pong"] = _read_client_frame(conn)
            conn.sendall(_server_frame(BINARY, bytes(range(200))))
            conn.sendall(_server_frame(TEXT, b"x" * 70000))
            conn.sendall(_server_frame(TEXT, b"hel", final=False) + _server_frame(0x0, b"lo"))
            conn.sendall(_server_frame(0x8, struct.pack(">H", 1000)))
            seen["close"] = _read_client_frame(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()

    def served() -> dict:
        """What the server saw, once it has finished its side of the conversation."""
        thread.join(timeout=10)
        assert not thread.is_alive(), "the server never got the client's close frame"
        return seen

    yield listener.getsockname()[1], served
    thread.join(timeout=10)
    listener.close()


def test_messages_of_every_length_and_fragmented_ones_arrive_whole_and_pings_are_answered(server):
    port, served = server
    ws = WebSocket.connect(f"ws://127.0.0.1:{port}/ws?clientId=abc")
    assert ws.receive(wait=5) == (TEXT, b'{"type": "status"}')
    assert ws.receive(wait=5) == (BINARY, bytes(range(200)))
    assert ws.receive(wait=5) == (TEXT, b"x" * 70000)
    assert ws.receive(wait=5) == (TEXT, b"hello")
    with pytest.raises(WebSocketClosed):
        ws.receive(wait=5)
    seen = served()
    assert seen["path"] == "/ws?clientId=abc"
    assert seen["pong"] == (0xA, True, b"are you there"), "a masked pong echoing the ping"
    assert seen["close"][:2] == (0x8, True)


def test_waiting_for_a_quiet_socket_times_out_without_losing_the_next_message():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    release = threading.Event()

    def serve():
        conn, _ = listener.accept()
        _answer_handshake(conn)
        release.wait(10)
        conn.sendall(_server_frame(TEXT, b"late"))
        conn.close()

    threading.Thread(target=serve, daemon=True).start()
    ws = WebSocket.connect(f"ws://127.0.0.1:{port}/ws")
    with pytest.raises(TimeoutError):
        ws.receive(wait=0.2)
    release.set()
    assert ws.receive(wait=5) == (TEXT, b"late")
    listener.close()


def test_only_plain_ws_urls_are_accepted():
    with pytest.raises(ValueError, match="only ws://"):
        WebSocket.connect("wss://example.org/ws")
