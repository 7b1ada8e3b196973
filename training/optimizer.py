"""One optimiser step as every training stage takes it: gradients clipped, a one-cycle schedule."""

from __future__ import annotations

import torch

MAX_GRAD_NORM = 1.0


class OneCycle:
    """``optimizer`` (its learning rate is the peak) under a one-cycle schedule over ``steps``."""

    def __init__(self, optimizer: torch.optim.Optimizer, *, steps: int, warmup: float) -> None:
        self.optimizer = optimizer
        self.params = [p for group in optimizer.param_groups for p in group["params"]]
        peak = optimizer.param_groups[0]["lr"]
        if abs(warmup * steps - 1.0) < 1e-6:  # torch's schedule divides by (warmup steps − 1)
            warmup *= 1.5
        self.schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=peak, total_steps=steps, pct_start=warmup
        )

    def step(self, loss: torch.Tensor) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, MAX_GRAD_NORM)
        self.optimizer.step()
        self.schedule.step()
