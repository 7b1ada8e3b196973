"""Reading and writing safetensors files without holding a second copy of the weights.

Reading maps the file and copies one tensor at a time into its destination (device and
dtype), then tells the kernel the mapped pages are no longer needed, so resident memory
stays near the size of the loaded weights. Writing streams tensors to a temporary file
that is renamed into place only when complete.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import tempfile
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import torch

DTYPES: dict[str, torch.dtype] = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "F8_E4M3": torch.float8_e4m3fn,
    "F8_E5M2": torch.float8_e5m2,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}
NAMES = {v: k for k, v in DTYPES.items()}
# Stored types of quantisations Talkies does not implement, by the name users know them by.
QUANTIZED_DTYPES = {
    "F8_E8M0": "mxfp8 (fp8 with e8m0 block scales)",
    "F4": "fp4",
    "F6_E2M3": "fp6",
    "F6_E3M2": "fp6",
}
GGUF_MAGIC = b"GGUF"
_MAX_HEADER = 100 * 1024 * 1024


@dataclass(kw_only=True, frozen=True)
class TensorInfo:
    dtype: str
    shape: tuple[int, ...]
    start: int
    end: int

    @property
    def torch_dtype(self) -> torch.dtype:
        return DTYPES[self.dtype]


class SafetensorsFile:
    """An open safetensors file: header parsed and checked, tensors read on demand."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"no checkpoint at {self.path}; check the path or the model folder")
        size = self.path.stat().st_size
        with open(self.path, "rb") as f:
            head = f.read(8)
            if head.startswith(GGUF_MAGIC):
                raise ValueError(
                    f"{self.path.name} is a GGUF file (llama.cpp's quantised format); Talkies does not "
                    "implement GGUF quantisation. Use the model's .safetensors release (bf16, fp16 or fp8)"
                )
            if len(head) < 8:
                raise ValueError(f"{self.path.name} is not a safetensors file (only {size} bytes)")
            (n,) = struct.unpack("<Q", head)
            if n == 0 or n > min(_MAX_HEADER, size - 8):
                raise ValueError(
                    f"{self.path.name} is not a safetensors file (no valid header); "
                    "LTX-2 checkpoints are single .safetensors files"
                )
            raw = f.read(n)
        try:
            header = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{self.path.name} is not a safetensors file (header is not JSON)") from exc
        if not isinstance(header, dict):
            raise ValueError(f"{self.path.name} is not a safetensors file (header is not an object)")
        self.metadata: dict[str, str] = dict(header.pop("__metadata__", None) or {})
        self.data_start = 8 + n
        self.tensors: dict[str, TensorInfo] = {}
        data_size = size - self.data_start
        for key, entry in header.items():
            try:
                start, end = entry["data_offsets"]
                info = TensorInfo(dtype=entry["dtype"], shape=tuple(entry["shape"]), start=start, end=end)
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{self.path.name}: malformed header entry for {key!r}") from exc
            if info.dtype in QUANTIZED_DTYPES:
                raise ValueError(
                    f"{self.path.name} is quantised as {QUANTIZED_DTYPES[info.dtype]} (tensor {key!r} is "
                    f"{info.dtype}); Talkies does not implement that quantisation. Use the model's bf16, "
                    "fp16 or fp8 .safetensors release"
                )
            if info.dtype not in DTYPES:
                raise ValueError(f"{self.path.name}: tensor {key!r} has unsupported dtype {info.dtype}")
            if info.end > data_size:
                raise ValueError(
                    f"{self.path.name} is truncated: tensor {key!r} ends at byte {info.end} of the data "
                    f"but the file holds only {data_size}; download or copy it again"
                )
            self.tensors[key] = info
        self._map: mmap.mmap | None = None

    def __enter__(self) -> SafetensorsFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None

    @property
    def config(self) -> dict:
        raw = self.metadata.get("config")
        if raw is None:
            return {}
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{self.path.name}: the 'config' metadata is not valid JSON") from exc

    def keys(self) -> list[str]:
        return list(self.tensors)

    def _mapped(self) -> mmap.mmap:
        if self._map is None:
            with open(self.path, "rb") as f:
                self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        return self._map

    def read(
        self, key: str, device: torch.device | str = "cpu", dtype: torch.dtype | None = None
    ) -> torch.Tensor:
        """One tensor, copied out of the mapping into ``device``/``dtype``."""
        info = self.tensors[key]
        target = dtype or info.torch_dtype
        mm = self._mapped()
        lo, hi = self.data_start + info.start, self.data_start + info.end
        if hi == lo:
            return torch.empty(info.shape, dtype=target, device=device)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # read-only buffer: we copy before use
            view = torch.frombuffer(memoryview(mm)[lo:hi], dtype=info.torch_dtype).reshape(info.shape)
        out = torch.empty(info.shape, dtype=target, device=device)
        out.copy_(view)
        del view
        page = mmap.PAGESIZE
        start = lo - lo % page
        try:
            mm.madvise(mmap.MADV_DONTNEED, start, hi - start)
        except (AttributeError, OSError, ValueError):
            pass
        return out


def _tensor_bytes(t: torch.Tensor) -> memoryview:
    t = t.detach().to("cpu").contiguous()
    if t.numel() == 0:
        return memoryview(b"")
    return memoryview(t.reshape(-1).view(torch.uint8).numpy())


def write_safetensors(
    path: str | os.PathLike,
    tensors: Iterable[tuple[str, torch.Tensor]] | dict[str, torch.Tensor],
    metadata: dict[str, str] | None = None,
) -> Path:
    """Write tensors (a dict, or (key, tensor) pairs produced lazily) atomically."""
    path = Path(path)
    items = list(tensors.items()) if isinstance(tensors, dict) else list(tensors)
    header: dict[str, object] = {}
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    offset = 0
    for key, t in items:
        if t.dtype not in NAMES:
            raise ValueError(f"tensor {key!r} has dtype {t.dtype}, which safetensors cannot store")
        nbytes = t.numel() * t.element_size()
        header[key] = {
            "dtype": NAMES[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + nbytes],
        }
        offset += nbytes
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(raw)))
            f.write(raw)
            for _, t in items:
                f.write(_tensor_bytes(t))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
