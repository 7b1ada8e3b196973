// Talkies in the graph: a clip player with the sound drawn under the frames on Save Clip and
// Preview Clip, and the step count on the sampler while it runs.
//
// The only module that talks to ComfyUI, through its extension API (app.registerExtension,
// node.addDOMWidget, onExecuted, api events). If this script fails to load, the nodes keep
// ComfyUI's own video preview, which their "images"/"animated" outputs already give.

import { api } from "../../scripts/api.js";
import { app } from "../../scripts/app.js";
import { ClipPlayer } from "./clip_player.js";
import { StepCounter } from "./step_counter.js";
import { addStyles } from "./style.js";

const CLIP_NODES = new Set(["TalkiesSaveClip", "TalkiesPreviewClip"]);
const SAMPLER_NODE = "TalkiesSampler";
const PLAYER_MARGIN = 10; // a DOM widget's height includes this margin above and below its element
const STEPS_MARGIN = 4;
const STEPS_HEIGHT = 24;

function clipUrl(clip, run) {
  const query = new URLSearchParams({
    filename: clip.filename,
    subfolder: clip.subfolder,
    type: clip.type,
    run,
  });
  return api.apiURL(`/view?${query}`);
}

function chain(original, extra) {
  return function (...args) {
    const result = original?.apply(this, args);
    extra.apply(this, args);
    return result;
  };
}

function addPlayer(node) {
  const player = new ClipPlayer();
  const widget = node.addDOMWidget("talkies_player", "talkies-player", player.element, {
    serialize: false,
    hideOnZoom: false,
    margin: PLAYER_MARGIN,
    getMinHeight: () => player.heightFor(Math.max(node.size[0] - 2 * PLAYER_MARGIN, 64)) + 2 * PLAYER_MARGIN,
  });
  widget.serialize = false;
  node.talkiesPlayer = player;
  return player;
}

/** Another player on the node (ComfyUI's own, from before ours showed anything) goes. */
function removeOtherPlayers(node) {
  for (const widget of [...(node.widgets ?? [])]) {
    const element = widget.element;
    if (element && element !== node.talkiesPlayer.element && element.querySelector?.("video")) {
      node.removeWidget(widget);
    }
  }
}

const clipsKey = (clips) => clips.map((c) => `${c.type}/${c.subfolder}/${c.filename}`).join("|");

function showClips(node, clips) {
  const player = node.talkiesPlayer ?? addPlayer(node);
  const run = String(Date.now());
  player.show(clips, (clip) => clipUrl(clip, run));
  node.talkiesShowing = clipsKey(clips);
  removeOtherPlayers(node);
  const wanted = node.computeSize();
  node.setSize([Math.max(node.size[0], wanted[0]), Math.max(node.size[1], wanted[1])]);
  node.setDirtyCanvas(true, true);
}

/**
 * Show the clips of a node's output (a restored one only when other clips are shown); if the player
 * fails, ComfyUI's own preview stays.
 */
function showOutput(node, output, fresh) {
  const clips = output?.talkies_clips;
  if (!Array.isArray(clips) || !clips.length || (!fresh && node.talkiesShowing === clipsKey(clips))) return;
  try {
    showClips(node, clips);
  } catch (error) {
    node.talkiesShowing = null;
    console.error("[talkies] the clip player failed; ComfyUI's own preview shows the clip", error);
  }
}

function extendClipNode(nodeType) {
  nodeType.prototype.onExecuted = chain(nodeType.prototype.onExecuted, function (output) {
    showOutput(this, output, true);
  });
  // ComfyUI draws its own preview of the "images" output from here; ours shows the clip instead.
  const drawBackground = nodeType.prototype.onDrawBackground;
  nodeType.prototype.onDrawBackground = function (...args) {
    if (this.talkiesShowing) return undefined;
    return drawBackground?.apply(this, args);
  };
  nodeType.prototype.onRemoved = chain(nodeType.prototype.onRemoved, function () {
    this.talkiesPlayer?.destroy();
  });
}

let runningCounter = null; // the StepCounter of the sampler that is running

function addStepCounter(node) {
  const counter = new StepCounter();
  const widget = node.addDOMWidget("talkies_steps", "talkies-steps", counter.element, {
    serialize: false,
    hideOnZoom: false,
    margin: STEPS_MARGIN,
    getMinHeight: () => STEPS_HEIGHT + 2 * STEPS_MARGIN,
    getMaxHeight: () => STEPS_HEIGHT + 2 * STEPS_MARGIN,
  });
  widget.serialize = false;
  node.talkiesSteps = counter;
}

function counterOf(nodeId) {
  if (nodeId == null) return null;
  const graph = app.rootGraph ?? app.graph;
  return graph?.getNodeById?.(nodeId)?.talkiesSteps ?? null;
}

function followSampling() {
  const now = () => performance.now() / 1000;
  const finishRunning = (how) => {
    runningCounter?.finish(how, now());
    runningCounter = null;
  };
  api.addEventListener("executing", ({ detail }) => {
    const counter = counterOf(detail);
    if (counter === runningCounter) return;
    finishRunning("done");
    if (counter) {
      counter.start(now());
      runningCounter = counter;
    }
  });
  api.addEventListener("progress", ({ detail }) => {
    const counter = counterOf(detail?.node);
    if (!counter) return;
    if (counter !== runningCounter) {
      finishRunning("done");
      runningCounter = counter;
    }
    counter.progress(detail.value, detail.max, now());
  });
  api.addEventListener("execution_success", () => finishRunning("done"));
  api.addEventListener("execution_error", () => finishRunning("stopped"));
  api.addEventListener("execution_interrupted", () => finishRunning("stopped"));
}

app.registerExtension({
  name: "talkies.preview",
  setup() {
    addStyles();
    followSampling();
  },
  async beforeRegisterNodeDef(nodeType, nodeData) {
    if (CLIP_NODES.has(nodeData.name)) extendClipNode(nodeType);
  },
  nodeCreated(node) {
    if (node.comfyClass === SAMPLER_NODE) addStepCounter(node);
  },
  // Outputs restored without a run (a workflow tab opened again, a job loaded from the queue).
  onNodeOutputsUpdated(outputs) {
    for (const node of (app.rootGraph ?? app.graph)?.nodes ?? []) {
      if (CLIP_NODES.has(node.comfyClass)) showOutput(node, outputs?.[String(node.id)], false);
    }
  },
});
