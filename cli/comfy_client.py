"""Queueing a workflow on a running ComfyUI: POST /prompt, follow /ws, fetch the outputs through /view.

Only the standard library: urllib for HTTP and our small WebSocket client for progress.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

from .websocket import TEXT, WebSocket

log = logging.getLogger(__name__)


class ServerError(RuntimeError):
    """ComfyUI refused the workflow or failed while running it."""


def describe_node_errors(node_errors: dict, prompt: dict) -> list[str]:
    """ComfyUI's per-node validation errors as 'node N (Type): input: message' lines."""
    lines = []
    for node_id, entry in node_errors.items():
        kind = entry.get("class_type") or prompt.get(node_id, {}).get("class_type", "?")
        for error in entry.get("errors", []):
            details = f": {error['details']}" if error.get("details") else ""
            lines.append(f"node {node_id} ({kind}): {error.get('message', 'invalid')}{details}")
    return lines


class ComfyClient:
    def __init__(self, url: str, timeout: float = 3600.0) -> None:
        self.url = url.rstrip("/")
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"--server must be an http URL such as http://127.0.0.1:8188; got {url!r}")
        self.timeout = timeout
        self.client_id = uuid.uuid4().hex

    def _request(self, path: str, body: bytes | None = None, headers: dict | None = None) -> bytes:
        request = urllib.request.Request(self.url + path, data=body, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()
            raise ServerError(
                f"{path} answered {exc.code}: {detail[:2000].decode(errors='replace')}"
            ) from exc
        except urllib.error.URLError as exc:
            raise ServerError(f"cannot reach ComfyUI at {self.url} ({exc.reason}); is it running?") from exc

    def _json(self, path: str, payload: dict | None = None) -> dict:
        body = None if payload is None else json.dumps(payload).encode()
        headers = {} if payload is None else {"Content-Type": "application/json"}
        return json.loads(self._request(path, body, headers))

    def queue(self, prompt: dict, extra_pnginfo: dict | None = None) -> str:
        """Queue ``prompt``; its id. Validation errors are raised with every node's problems.
        ``extra_pnginfo`` (e.g. the UI-format workflow) is what saving nodes embed besides the prompt."""
        request = {"prompt": prompt, "client_id": self.client_id}
        if extra_pnginfo is not None:
            request["extra_data"] = {"extra_pnginfo": extra_pnginfo}
        body = json.dumps(request).encode()
        request = urllib.request.Request(
            self.url + "/prompt", data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())["prompt_id"]
        except urllib.error.HTTPError as exc:
            answer = json.loads(exc.read() or b"{}")
            lines = describe_node_errors(answer.get("node_errors", {}), prompt)
            error = answer.get("error", {})
            headline = error.get("message", f"HTTP {exc.code}") if isinstance(error, dict) else str(error)
            raise ServerError("ComfyUI refused the workflow: " + "\n  ".join([headline, *lines])) from exc
        except urllib.error.URLError as exc:
            raise ServerError(f"cannot reach ComfyUI at {self.url} ({exc.reason}); is it running?") from exc

    def upload_image(self, path: Path) -> str:
        """Upload a file (a picture, video or sound) to ComfyUI's input folder, through the endpoint its
        own upload buttons use for all three; the name the loaders know it by."""
        boundary = uuid.uuid4().hex
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="{path.name}"\r\n'
                f"Content-Type: {kind}\r\n\r\n"
            ).encode()
            + path.read_bytes()
            + f"\r\n--{boundary}--\r\n".encode()
        )
        answer = json.loads(
            self._request(
                "/upload/image", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
            )
        )
        return f"{answer['subfolder']}/{answer['name']}" if answer.get("subfolder") else answer["name"]

    def interrupt(self, prompt_id: str) -> None:
        """Ask ComfyUI to stop ``prompt_id`` if it is the one running (ComfyUI's Cancel)."""
        body = json.dumps({"prompt_id": prompt_id}).encode()
        self._request("/interrupt", body, {"Content-Type": "application/json"})

    def follow(self, ws: WebSocket, prompt_id: str, on_event: Callable[[str, dict], None]) -> None:
        """Read /ws messages of ``prompt_id`` until it finishes; raise if it failed or was interrupted."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            try:
                opcode, payload = ws.receive(wait=5.0)
            except TimeoutError:
                if self._finished(prompt_id):
                    return
                continue
            if opcode != TEXT:
                continue  # preview pictures
            message = json.loads(payload)
            kind, data = message.get("type"), message.get("data", {})
            if data.get("prompt_id") not in (None, prompt_id):
                continue
            on_event(kind, data)
            if kind == "execution_error":
                node = f"node {data.get('node_id')} ({data.get('node_type')})"
                raise ServerError(f"{node} failed: {data.get('exception_message')}")
            if kind == "execution_interrupted":
                raise ServerError("the run was interrupted in ComfyUI")
            # ComfyUI files the run in its history, then says "executing" with no node.
            if kind == "executing" and data.get("node") is None and data.get("prompt_id") == prompt_id:
                return
        raise ServerError(f"the run did not finish within {self.timeout:.0f} s")

    def _finished(self, prompt_id: str) -> bool:
        return prompt_id in self._json(f"/history/{prompt_id}")

    def outputs(self, prompt_id: str) -> list[dict]:
        """Every file entry ({filename, subfolder, type}) of the run's UI outputs, in node order."""
        history = self._json(f"/history/{prompt_id}").get(prompt_id, {})
        status = history.get("status", {})
        if status.get("status_str") == "error":
            raise ServerError(f"the run failed in ComfyUI: {status.get('messages')}")
        entries = []
        for output in history.get("outputs", {}).values():
            for key in ("images", "gifs", "audio", "video"):
                entries += [e for e in output.get(key, []) if isinstance(e, dict) and "filename" in e]
        return entries

    def download(self, entry: dict, folder: Path) -> Path:
        """Fetch one output file through /view into ``folder``/its subfolder (never overwriting a file)."""
        query = urllib.parse.urlencode(
            {
                "filename": entry["filename"],
                "subfolder": entry.get("subfolder", ""),
                "type": entry.get("type", "output"),
            }
        )
        data = self._request(f"/view?{query}")
        subfolder = Path(entry.get("subfolder") or ".")
        if subfolder.is_absolute() or ".." in subfolder.parts:
            subfolder = Path(".")
        folder = folder / subfolder
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / Path(entry["filename"]).name
        stem, suffix, n = target.stem, target.suffix, 1
        while target.exists():
            target = folder / f"{stem}-{n}{suffix}"
            n += 1
        partial = target.with_name(f".{target.name}.part")
        partial.write_bytes(data)
        partial.rename(target)
        return target

    def run(
        self,
        prompt: dict,
        folder: Path,
        on_event: Callable[[str, dict], None],
        extra_pnginfo: dict | None = None,
    ) -> list[Path]:
        """Queue, follow and download: the paths of the files written into ``folder``."""
        ws_url = (
            urllib.parse.urlsplit(self.url)
            ._replace(scheme="ws", path="/ws", query=f"clientId={self.client_id}")
            .geturl()
        )
        ws = WebSocket.connect(ws_url)
        try:
            prompt_id = self.queue(prompt, extra_pnginfo)
            on_event("queued", {"prompt_id": prompt_id})
            try:
                self.follow(ws, prompt_id, on_event)
            except KeyboardInterrupt:
                self.interrupt(prompt_id)
                raise
        finally:
            ws.close()
        return [self.download(entry, folder) for entry in self.outputs(prompt_id)]
