// The sound's min/max envelope (points_per_second buckets from the server) resampled to pixel columns.
// Pure arithmetic (no DOM), unit-tested with node.

/**
 * For each of `columns` pixel columns spanning `seconds`, the lowest and highest sample value of
 * the buckets that overlap it (the bucket under it when buckets are wider than columns).
 * Returns { low: Float32Array, high: Float32Array, peak } with peak the largest |value| seen.
 */
export function waveformColumns(envelope, seconds, columns) {
  const low = new Float32Array(columns);
  const high = new Float32Array(columns);
  const buckets = Math.min(envelope.min.length, envelope.max.length);
  let peak = 0;
  if (!buckets || !(seconds > 0)) return { low, high, peak };
  const perColumn = (seconds * envelope.points_per_second) / columns;
  for (let c = 0; c < columns; c++) {
    const first = Math.floor(c * perColumn + 1e-9);
    const last = Math.max(first, Math.ceil((c + 1) * perColumn - 1e-9) - 1);
    if (first >= buckets) break;
    let lo = Infinity;
    let hi = -Infinity;
    for (let b = first; b <= Math.min(last, buckets - 1); b++) {
      lo = Math.min(lo, envelope.min[b]);
      hi = Math.max(hi, envelope.max[b]);
    }
    low[c] = lo;
    high[c] = hi;
    peak = Math.max(peak, Math.abs(lo), Math.abs(hi));
  }
  return { low, high, peak };
}
