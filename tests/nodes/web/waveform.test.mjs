// The envelope resampled to pixel columns (web/waveform.js): node --test tests/web/
import assert from "node:assert/strict";
import { test } from "node:test";

import { waveformColumns } from "../../../web/waveform.js";

// 1 s at 10 points a second: bucket i spans [i, i + 1) / 10 s.
const envelope = {
  points_per_second: 10,
  min: [-0.1, -0.2, -0.3, -0.4, -0.5, -0.6, -0.7, -0.8, -0.9, -0.05],
  max: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.05],
};

test("a column wider than a bucket spans the extremes of the buckets under it", () => {
  const { low, high, peak } = waveformColumns(envelope, 1.0, 5);
  assert.deepEqual(
    [...high].map((v) => Math.round(v * 100)),
    [20, 40, 60, 80, 90],
  );
  assert.deepEqual(
    [...low].map((v) => Math.round(v * 100)),
    [-20, -40, -60, -80, -90],
  );
  assert.equal(Math.round(peak * 100), 90);
});

test("columns narrower than a bucket repeat the bucket under them", () => {
  const { high } = waveformColumns(envelope, 1.0, 40);
  assert.equal(high.length, 40);
  for (let c = 0; c < 40; c++) assert.equal(high[c], Math.fround(envelope.max[Math.floor(c / 4)]));
});

test("a column straddling two buckets takes both; buckets past the end are ignored", () => {
  const { high } = waveformColumns(envelope, 1.0, 3); // 3.33 buckets a column
  assert.deepEqual(
    [...high].map((v) => Math.round(v * 100)),
    [40, 70, 90],
  );
  const longer = waveformColumns(envelope, 2.0, 4); // the sound ends half-way
  assert.deepEqual(
    [...longer.high].map((v) => Math.round(v * 100)),
    [50, 90, 0, 0],
  );
});

test("no sound gives flat columns", () => {
  const { low, high, peak } = waveformColumns({ points_per_second: 50, min: [], max: [] }, 1.0, 8);
  assert.equal(peak, 0);
  assert.ok([...low, ...high].every((v) => v === 0));
});
