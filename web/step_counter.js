// The sampler's step count while it runs (from ComfyUI's progress events), with the time per step
// and the time left, and a summary once it is done.

/** Seconds as "0.42 s", "12 s" or "2 min 5 s". */
export function formatDuration(seconds) {
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

/**
 * The counter's line. `run`: { state: "idle" | "running" | "done" | "stopped", value, max,
 * startedAt, firstStep: {value, at} | null, lastAt, finishedAt } with times in seconds (lastAt: the
 * latest progress event). The time per step is
 * measured between progress events (so model loading before the first step does not count);
 * with only one step seen it includes everything since the node started.
 */
export function describeSteps(run) {
  const { state, value, max } = run;
  if (state === "idle") return "Sampler steps show here while it runs";
  let perStep = null;
  if (run.firstStep && value > run.firstStep.value) {
    perStep = (run.lastAt - run.firstStep.at) / (value - run.firstStep.value);
  } else if (value > 0) perStep = (run.lastAt - run.startedAt) / value;
  const rate = perStep === null ? "" : ` · ${formatDuration(perStep)}/step`;
  if (state === "done") return `${value} steps in ${formatDuration(run.finishedAt - run.startedAt)}${rate}`;
  if (state === "stopped") return `Stopped at step ${value} / ${max}`;
  if (!value) return `Step 0 / ${max || "?"} · starting`;
  const left = perStep === null ? "" : ` · about ${formatDuration(perStep * (max - value))} left`;
  return `Step ${value} / ${max}${rate}${left}`;
}

export class StepCounter {
  constructor() {
    this.run = { state: "idle", value: 0, max: 0, startedAt: 0, firstStep: null, lastAt: 0 };
    this.element = document.createElement("div");
    this.element.className = "talkies-steps";
    this.text = document.createElement("div");
    this.text.className = "talkies-steps-text";
    const bar = document.createElement("div");
    bar.className = "talkies-steps-bar";
    this.fill = document.createElement("div");
    bar.append(this.fill);
    this.element.append(this.text, bar);
    this.#render();
  }

  /** The node started running. */
  start(now) {
    this.run = { state: "running", value: 0, max: 0, startedAt: now, firstStep: null, lastAt: now };
    this.#render();
  }

  /** A progress event: `value` of `max` steps done. */
  progress(value, max, now) {
    if (this.run.state !== "running") this.start(now);
    this.run.firstStep ??= { value, at: now };
    Object.assign(this.run, { value, max, lastAt: now });
    this.#render();
  }

  /** The node finished ("done") or was interrupted or failed ("stopped"). */
  finish(state, now) {
    if (this.run.state !== "running") return;
    this.run.state =
      state === "done" && this.run.value >= this.run.max && this.run.max > 0 ? "done" : "stopped";
    this.run.finishedAt = now;
    this.#render();
  }

  #render() {
    const { value, max, state } = this.run;
    this.text.textContent = describeSteps(this.run);
    this.fill.style.width = `${max ? (100 * value) / max : 0}%`;
    Object.assign(this.element.dataset, { state, value: String(value), max: String(max) });
  }
}
