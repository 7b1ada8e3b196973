// The strip's time axis: seconds <-> pixels, frames, ruler ticks and thumbnail slots.
// Pure arithmetic (no DOM), shared by the drawing and the scrubbing, and unit-tested with node.

const TICK_STEPS = [0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300];

export class Timeline {
  /**
   * @param {number} seconds length of the clip (frames / fps)
   * @param {number} frames number of frames
   * @param {number} width pixels the clip spans, from x = 0
   */
  constructor(seconds, frames, width) {
    if (!(seconds > 0) || !(frames > 0) || !(width > 0)) {
      throw new RangeError(
        `a timeline needs seconds, frames and width > 0 (got ${seconds}, ${frames}, ${width})`,
      );
    }
    this.seconds = seconds;
    this.frames = frames;
    this.width = width;
    this.fps = frames / seconds;
  }

  /** The x of time t (clamped to the clip). */
  x(t) {
    return (Math.min(Math.max(t, 0), this.seconds) / this.seconds) * this.width;
  }

  /** The time at x (clamped to the clip). */
  time(x) {
    return (Math.min(Math.max(x, 0), this.width) / this.width) * this.seconds;
  }

  /** The frame on screen at time t: frame i shows during [i, i + 1) / fps. */
  frameAt(t) {
    const index = Math.floor(t * this.fps + 1e-9);
    return Math.min(Math.max(index, 0), this.frames - 1);
  }

  /** The middle of frame i's display time: seeking there shows frame i on any player. */
  frameMiddle(i) {
    return (Math.min(Math.max(i, 0), this.frames - 1) + 0.5) / this.fps;
  }

  /** Ruler ticks: the smallest round step at least minPixels apart, as times from 0 to the end. */
  ticks(minPixels) {
    const pixelsPerSecond = this.width / this.seconds;
    const step = TICK_STEPS.find((s) => s * pixelsPerSecond >= minPixels) ?? TICK_STEPS.at(-1);
    const count = Math.floor(this.seconds / step + 1e-9);
    return { step, times: Array.from({ length: count + 1 }, (_, k) => Number((k * step).toFixed(6))) };
  }

  /**
   * Thumbnail slots tiling the strip: as many as fit at slotWidth pixels (never more than frames),
   * each showing the frame on screen at its left edge, so slot edges sit on the time axis.
   */
  slots(slotWidth) {
    const count = Math.min(this.frames, Math.max(1, Math.ceil(this.width / slotWidth)));
    const width = this.width / count;
    return Array.from({ length: count }, (_, k) => ({
      x: k * width,
      width,
      frame: this.frameAt(this.time(k * width)),
    }));
  }
}

/** "1.25 s" with as many decimals as the step needs. */
export function formatSeconds(t, step = 0.01) {
  const decimals = step >= 1 ? 0 : step >= 0.1 ? 1 : 2;
  return `${t.toFixed(decimals)} s`;
}
