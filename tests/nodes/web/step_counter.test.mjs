// The sampler's step line (web/step_counter.js): node --test tests/web/
import assert from "node:assert/strict";
import { test } from "node:test";

import { describeSteps, formatDuration } from "../../../web/step_counter.js";

const run = (fields) => ({
  state: "running",
  value: 0,
  max: 8,
  startedAt: 100,
  firstStep: null,
  lastAt: 100,
  ...fields,
});

test("the time per step is measured between steps, so loading before the first does not count", () => {
  const text = describeSteps(run({ value: 3, firstStep: { value: 1, at: 104 }, lastAt: 105 }));
  assert.equal(text, "Step 3 / 8 · 0.50 s/step · about 2.50 s left");
});

test("with one step seen the time since the start is all there is", () => {
  assert.equal(
    describeSteps(run({ value: 1, firstStep: { value: 1, at: 102 }, lastAt: 102 })),
    "Step 1 / 8 · 2.00 s/step · about 14 s left",
  );
  assert.equal(describeSteps(run({ max: 0 })), "Step 0 / ? · starting");
});

test("a finished run says how long it took; a stopped one where it stopped", () => {
  const done = run({
    state: "done",
    value: 8,
    firstStep: { value: 1, at: 103 },
    lastAt: 110,
    finishedAt: 111,
  });
  assert.equal(describeSteps(done), "8 steps in 11 s · 1.00 s/step");
  assert.equal(describeSteps(run({ state: "stopped", value: 5 })), "Stopped at step 5 / 8");
  assert.match(describeSteps(run({ state: "idle" })), /while it runs/);
});

test("durations read naturally", () => {
  assert.equal(formatDuration(0.4213), "0.42 s");
  assert.equal(formatDuration(42.4), "42 s");
  assert.equal(formatDuration(125), "2 min 5 s");
});
