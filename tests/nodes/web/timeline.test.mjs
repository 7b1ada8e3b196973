// The strip's time axis (web/timeline.js): node --test tests/web/
import assert from "node:assert/strict";
import { test } from "node:test";

import { formatSeconds, Timeline } from "../../../web/timeline.js";

const close = (a, b, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

test("x and time are inverse and clamped to the clip", () => {
  const axis = new Timeline(2.0, 48, 400);
  close(axis.x(0.5), 100);
  close(axis.time(100), 0.5);
  for (const t of [0, 0.013, 1.2345, 2]) close(axis.time(axis.x(t)), t);
  assert.equal(axis.x(-1), 0);
  assert.equal(axis.x(5), 400);
  assert.equal(axis.time(-3), 0);
  assert.equal(axis.time(900), 2);
});

test("frame i is on screen during [i, i + 1) / fps, the last one to the end", () => {
  const axis = new Timeline(49 / 24, 49, 300);
  assert.equal(axis.fps, 24);
  assert.equal(axis.frameAt(0), 0);
  assert.equal(axis.frameAt(1 / 24 - 1e-6), 0);
  assert.equal(axis.frameAt(1 / 24), 1);
  assert.equal(axis.frameAt(10 / 24), 10, "exact frame starts are not lost to rounding");
  assert.equal(axis.frameAt(49 / 24), 48);
  assert.equal(axis.frameAt(99), 48);
  assert.equal(axis.frameAt(-1), 0);
  close(axis.frameMiddle(3), 3.5 / 24);
  assert.equal(axis.frameAt(axis.frameMiddle(3)), 3);
  assert.equal(axis.frameMiddle(60), axis.frameMiddle(48), "stepping past the end stays on the last frame");
});

test("ruler ticks are round steps at least the asked pixels apart, from 0 to the end", () => {
  const axis = new Timeline(2.04, 49, 340);
  const { step, times } = axis.ticks(48);
  assert.equal(step, 0.5);
  assert.deepEqual(times, [0, 0.5, 1, 1.5, 2]);
  assert.ok(axis.x(step) >= 48);
  assert.equal(new Timeline(60, 1440, 300).ticks(48).step, 10);
  assert.equal(new Timeline(0.375, 9, 600).ticks(48).step, 0.05);
});

test("thumbnail slots tile the strip and show the frame at their left edge", () => {
  const axis = new Timeline(2.0, 48, 400);
  const slots = axis.slots(60);
  assert.equal(slots.length, 7);
  close(slots[0].x, 0);
  close(slots.at(-1).x + slots.at(-1).width, 400);
  for (const slot of slots) assert.equal(slot.frame, axis.frameAt(axis.time(slot.x)));
  assert.deepEqual(
    slots.map((s) => s.frame),
    [0, 6, 13, 20, 27, 34, 41],
  );
  const few = new Timeline(9 / 24, 9, 600).slots(40);
  assert.equal(few.length, 9, "never more slots than frames");
  assert.deepEqual(
    few.map((s) => s.frame),
    [0, 1, 2, 3, 4, 5, 6, 7, 8],
  );
});

test("a timeline needs a length, frames and a width", () => {
  assert.throws(() => new Timeline(0, 10, 100), /seconds, frames and width > 0/);
  assert.throws(() => new Timeline(1, 10, 0), RangeError);
});

test("seconds are written with the decimals the step needs", () => {
  assert.equal(formatSeconds(1.5, 0.5), "1.5 s");
  assert.equal(formatSeconds(2, 1), "2 s");
  assert.equal(formatSeconds(0.25, 0.05), "0.25 s");
});
