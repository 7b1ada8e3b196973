"""A dependency-free progress bar with periodic metric reports for long training stages."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, label: str, total: int, report_every: int = 50, stream=None) -> None:
        self.label, self.total, self.every = label, total, max(1, report_every)
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.sums: dict[str, float] = {}
        self.count = 0

    def update(self, step: int, **metrics: float) -> None:
        for k, v in metrics.items():
            self.sums[k] = self.sums.get(k, 0.0) + float(v)
        self.count += 1
        elapsed = time.monotonic() - self.start
        rate = step / elapsed if elapsed > 0 else 0.0
        eta = (self.total - step) / rate if rate > 0 else 0.0
        width = 24
        filled = int(width * step / max(1, self.total))
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {step}/{self.total} {elapsed:6.0f}s eta {eta:6.0f}s")
        if step % self.every == 0 or step == self.total:
            means = " ".join(f"{k}={v / self.count:.4g}" for k, v in self.sums.items())
            self.stream.write(f"\n{self.label} step {step}: {means}\n")
            self.sums, self.count = {}, 0
        self.stream.flush()
