// Draws the strip under the player on one time axis: a row of frames, the waveform with the
// detected onsets marked across both, a ruler, and the playhead.

import { formatSeconds } from "./timeline.js";

export const FRAME_ROW = 40;
const GAP = 2;
export const WAVE_ROW = 44;
const RULER = 14;
export const STRIP_HEIGHT = FRAME_ROW + GAP + WAVE_ROW + RULER;
const WAVE_TOP = FRAME_ROW + GAP;
const MIN_SCALE_PEAK = 0.05; // quieter sounds are not blown up to full height

const COLOURS = {
  background: "#15171a",
  slot: "#24272c",
  slotEdge: "#0c0d0f",
  centre: "#3a3f46",
  wave: "#3f8f86",
  wavePlayed: "#6fe0d2",
  onset: "#ffb547",
  ruler: "#8b939e",
  playhead: "#ff5a5a",
  current: "rgba(255, 255, 255, 0.85)",
};

function drawCover(ctx, image, x, y, width, height) {
  const scale = Math.max(width / image.width, height / image.height);
  const sw = width / scale;
  const sh = height / scale;
  ctx.drawImage(image, (image.width - sw) / 2, (image.height - sh) / 2, sw, sh, x, y, width, height);
}

function drawFrames(ctx, view) {
  const { timeline, slots, thumbnails, time } = view;
  for (const slot of slots) {
    const image = thumbnails.get(slot.frame);
    if (image) drawCover(ctx, image, slot.x, 0, slot.width, FRAME_ROW);
    else {
      ctx.fillStyle = COLOURS.slot;
      ctx.fillRect(slot.x, 0, slot.width, FRAME_ROW);
    }
    ctx.fillStyle = COLOURS.slotEdge;
    ctx.fillRect(slot.x, 0, 1, FRAME_ROW);
  }
  const x = timeline.x(time);
  const current = slots.findLast((s) => s.x <= x + 1e-6) ?? slots[0];
  ctx.strokeStyle = COLOURS.current;
  ctx.lineWidth = 2;
  ctx.strokeRect(current.x + 1, 1, current.width - 2, FRAME_ROW - 2);
}

function drawWave(ctx, view) {
  const { timeline, columns, ratio, time } = view;
  const middle = WAVE_TOP + WAVE_ROW / 2;
  ctx.fillStyle = COLOURS.centre;
  ctx.fillRect(0, middle - 0.5, timeline.width, 1);
  if (!columns) {
    ctx.fillStyle = COLOURS.ruler;
    ctx.font = "11px sans-serif";
    ctx.textBaseline = "middle";
    ctx.fillText("no sound", 6, middle - 8);
    return;
  }
  const half = WAVE_ROW / 2 - 2;
  const scale = half / Math.max(columns.peak, MIN_SCALE_PEAK);
  const played = timeline.x(time) * ratio;
  for (let c = 0; c < columns.low.length; c++) {
    const top = middle - columns.high[c] * scale;
    const bottom = middle - columns.low[c] * scale;
    ctx.fillStyle = c < played ? COLOURS.wavePlayed : COLOURS.wave;
    ctx.fillRect(c / ratio, top, 1 / ratio, Math.max(bottom - top, 1 / ratio));
  }
}

function drawOnsets(ctx, view) {
  ctx.strokeStyle = COLOURS.onset;
  ctx.fillStyle = COLOURS.onset;
  ctx.lineWidth = 1;
  for (const t of view.onsets) {
    const x = Math.round(view.timeline.x(t)) + 0.5;
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(x, 0);
    ctx.lineTo(x, WAVE_TOP + WAVE_ROW);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(x - 4, WAVE_TOP);
    ctx.lineTo(x + 4, WAVE_TOP);
    ctx.lineTo(x, WAVE_TOP + 6);
    ctx.fill();
  }
}

function drawRuler(ctx, view) {
  const { timeline } = view;
  const top = WAVE_TOP + WAVE_ROW;
  const { step, times } = timeline.ticks(48);
  ctx.fillStyle = COLOURS.ruler;
  ctx.font = "10px sans-serif";
  ctx.textBaseline = "top";
  for (const t of times) {
    const x = Math.round(timeline.x(t));
    ctx.fillRect(x, top, 1, 4);
    const label = formatSeconds(t, step);
    const width = ctx.measureText(label).width;
    if (x + 2 + width <= timeline.width) ctx.fillText(label, x + 2, top + 3);
  }
}

function drawPlayhead(ctx, view) {
  const x = Math.round(view.timeline.x(view.time)) + 0.5;
  ctx.strokeStyle = COLOURS.playhead;
  ctx.fillStyle = COLOURS.playhead;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(x, 0);
  ctx.lineTo(x, STRIP_HEIGHT);
  ctx.stroke();
  ctx.beginPath();
  ctx.moveTo(x - 5, 0);
  ctx.lineTo(x + 5, 0);
  ctx.lineTo(x, 6);
  ctx.fill();
}

/**
 * Draw the whole strip. `view`: { timeline (CSS pixels), ratio (device pixels per CSS pixel),
 * slots (timeline.slots), thumbnails (Map frame -> image), columns (waveformColumns at
 * width * ratio, or null without sound), onsets (seconds), time (the playhead) }.
 */
export function drawStrip(ctx, view) {
  ctx.setTransform(view.ratio, 0, 0, view.ratio, 0, 0);
  ctx.fillStyle = COLOURS.background;
  ctx.fillRect(0, 0, view.timeline.width, STRIP_HEIGHT);
  drawFrames(ctx, view);
  drawWave(ctx, view);
  drawOnsets(ctx, view);
  drawRuler(ctx, view);
  drawPlayhead(ctx, view);
}
