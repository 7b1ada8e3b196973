// The clip player shown on Talkies Save Clip / Preview Clip: the video with its sound, a transport
// bar, and the strip (frames, waveform, onsets, ruler, playhead) on one time axis under it.

import { FrameGrabber } from "./frame_grabber.js";
import { icon, iconButton, setIcon } from "./icons.js";
import { attachScrubbing, followPlayback } from "./playhead.js";
import { drawStrip, FRAME_ROW, STRIP_HEIGHT } from "./strip.js";
import { Timeline } from "./timeline.js";
import { waveformColumns } from "./waveform.js";

const TRANSPORT_HEIGHT = 24;
const INFO_HEIGHT = 15;
const GAPS = 3 * 4;
const MIN_VIDEO_HEIGHT = 64;
const MAX_VIDEO_HEIGHT = 480;
/** Height of everything but the video. */
export const PLAYER_CHROME_HEIGHT = TRANSPORT_HEIGHT + STRIP_HEIGHT + INFO_HEIGHT + GAPS;

const players = new Set(); // playing one pauses the others

function element(tag, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

function describe(clip, onsets) {
  const parts = [
    `${clip.width}×${clip.height}`,
    `${Number(clip.fps.toFixed(3))} fps`,
    `${clip.seconds.toFixed(2)} s`,
  ];
  if (clip.sample_rate) {
    const layout = clip.channels === 1 ? "mono" : clip.channels === 2 ? "stereo" : `${clip.channels} ch`;
    parts.push(`${Number((clip.sample_rate / 1000).toFixed(2))} kHz ${layout}`);
    if (clip.loudness != null) parts.push(`${clip.loudness} LUFS`);
    parts.push(`${onsets.length} onset${onsets.length === 1 ? "" : "s"}`);
  } else parts.push("no sound");
  return parts.join(" · ");
}

export class ClipPlayer {
  constructor() {
    this.clips = [];
    this.index = 0;
    this.clip = null;
    this.time = 0;
    this.grabber = null;
    this.columns = null;
    this.columnsWidth = 0;
    this.timeline = null;
    this.onsets = [];
    this.drawPending = 0;

    this.element = element("div", "talkies-player");
    this.element.tabIndex = 0;
    this.video = Object.assign(element("video"), { preload: "auto", playsInline: true, loop: true });
    this.video.title = "Click to play with sound; double-click for full screen";
    const stage = element("div", "talkies-stage");
    stage.append(this.video);
    this.canvas = element("canvas", "talkies-strip");
    this.canvas.style.height = `${STRIP_HEIGHT}px`;
    this.info = element("div", "talkies-info");
    this.element.append(stage, this.#transport(), this.canvas, this.info);

    this.video.addEventListener("click", () => this.toggle());
    this.video.addEventListener("dblclick", () => this.video.requestFullscreen?.().catch(() => {}));
    this.video.addEventListener("play", () => {
      for (const other of players) if (other !== this) other.video.pause();
      setIcon(this.playButton, "pause", "Pause (space)");
    });
    this.video.addEventListener("pause", () => setIcon(this.playButton, "play", "Play with sound (space)"));
    this.video.addEventListener("volumechange", () => this.#showMuted());
    this.element.addEventListener("keydown", (event) => this.#key(event));
    this.stopFollowing = followPlayback(this.video, (t) => this.#moveTo(t));
    this.stopScrubbing = attachScrubbing(
      this.canvas,
      this.video,
      (x) => (this.timeline ? this.timeline.time(x) : 0),
      (t) => this.#moveTo(t),
    );
    this.canvas.addEventListener("pointermove", (event) => this.#hover(event));
    this.resizeObserver = new ResizeObserver(() => this.drawSoon());
    this.resizeObserver.observe(this.canvas);
    players.add(this);
  }

  #transport() {
    const bar = element("div", "talkies-transport");
    this.playButton = iconButton("play", "Play with sound (space)", () => this.toggle());
    const back = iconButton("previousFrame", "Previous frame (←)", () => this.step(-1));
    const forward = iconButton("nextFrame", "Next frame (→)", () => this.step(1));
    this.timeText = element("span", "talkies-time");
    this.previousClip = iconButton("previousClip", "Previous clip of the batch", () =>
      this.select(this.index - 1),
    );
    this.clipCount = element("span", "talkies-clip-count");
    this.nextClip = iconButton("nextClip", "Next clip of the batch", () => this.select(this.index + 1));
    this.loopButton = iconButton("loop", "Loop", () => {
      this.video.loop = !this.video.loop;
      this.loopButton.setAttribute("aria-pressed", String(this.video.loop));
    });
    this.loopButton.setAttribute("aria-pressed", "true");
    this.muteButton = iconButton("sound", "Mute", () => {
      this.video.muted = !this.video.muted;
    });
    this.download = element("a");
    this.download.title = "Download the MP4";
    this.download.append(icon("download"));
    bar.append(this.playButton, back, forward, this.timeText, element("span", "talkies-fill"));
    bar.append(
      this.previousClip,
      this.clipCount,
      this.nextClip,
      this.loopButton,
      this.muteButton,
      this.download,
    );
    return bar;
  }

  /** Whether a clip is shown. */
  get showing() {
    return this.clip !== null;
  }

  /** Height the player wants at this width: the video at its aspect ratio, plus the strip and bars. */
  heightFor(width) {
    const aspect = this.clip ? this.clip.height / this.clip.width : 9 / 16;
    const video = Math.min(MAX_VIDEO_HEIGHT, Math.max(MIN_VIDEO_HEIGHT, width * aspect));
    return PLAYER_CHROME_HEIGHT + video;
  }

  /** Show these clips (talkies_clips entries); urlOf(entry) gives each one's address. */
  show(clips, urlOf) {
    this.clips = clips.map((clip) => ({ ...clip, url: urlOf(clip) }));
    const several = this.clips.length > 1;
    for (const part of [this.previousClip, this.clipCount, this.nextClip]) part.hidden = !several;
    this.select(0);
  }

  select(index) {
    if (!this.clips.length) return;
    this.index = (index + this.clips.length) % this.clips.length;
    this.clipCount.textContent = `${this.index + 1}/${this.clips.length}`;
    this.#load(this.clips[this.index]);
  }

  #load(clip) {
    this.clip = clip;
    this.onsets = clip.onsets ?? [];
    this.columns = null;
    this.columnsWidth = 0;
    this.time = 0;
    this.timeline = null;
    this.grabber?.close();
    this.video.src = clip.url;
    this.download.href = clip.url;
    this.download.download = clip.filename;
    this.info.textContent = describe(clip, this.onsets);
    this.info.title = `${clip.filename} · ${this.info.textContent}`;
    this.element.dataset.clip = clip.filename;
    this.grabber = new FrameGrabber(
      clip.url,
      (frame) => (frame + 0.5) / clip.fps,
      Math.round(FRAME_ROW * this.#ratio()),
      () => this.drawSoon(),
    );
    this.#moveTo(0);
  }

  toggle() {
    if (!this.clip) return;
    if (this.video.paused)
      this.video.play().catch((error) => console.warn("[talkies] cannot play:", error.message));
    else this.video.pause();
  }

  /** Pause and move by `count` frames. */
  step(count) {
    if (!this.timeline) return;
    this.video.pause();
    const frame = this.timeline.frameAt(this.video.currentTime) + count;
    this.video.currentTime = this.timeline.frameMiddle(frame);
    this.#moveTo(this.video.currentTime);
  }

  #key(event) {
    const actions = {
      " ": () => this.toggle(),
      k: () => this.toggle(),
      ArrowLeft: () => this.step(-1),
      ArrowRight: () => this.step(1),
      Home: () => {
        this.video.currentTime = 0;
      },
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    event.stopPropagation();
    action();
  }

  #showMuted() {
    const muted = this.video.muted || this.video.volume === 0;
    setIcon(this.muteButton, muted ? "muted" : "sound", muted ? "Unmute" : "Mute");
  }

  #ratio() {
    return Math.max(2, window.devicePixelRatio || 1);
  }

  #moveTo(t) {
    this.time = t;
    this.drawSoon();
  }

  #hover(event) {
    if (!this.timeline) return;
    const box = this.canvas.getBoundingClientRect();
    const t = this.timeline.time(
      ((event.clientX - box.left) * this.canvas.clientWidth) / Math.max(box.width, 1),
    );
    const near = this.onsets.filter((o) => Math.abs(this.timeline.x(o) - this.timeline.x(t)) <= 4);
    const onset = near.length ? ` · sound starts at ${near[0].toFixed(3)} s` : "";
    this.canvas.title = `${t.toFixed(3)} s · frame ${this.timeline.frameAt(t) + 1}${onset}`;
  }

  drawSoon() {
    if (!this.drawPending) this.drawPending = requestAnimationFrame(() => this.#draw());
  }

  #draw() {
    this.drawPending = 0;
    const width = this.canvas.clientWidth;
    if (!this.clip || width <= 0) return;
    const ratio = this.#ratio();
    if (this.canvas.width !== Math.round(width * ratio)) this.canvas.width = Math.round(width * ratio);
    if (this.canvas.height !== Math.round(STRIP_HEIGHT * ratio))
      this.canvas.height = Math.round(STRIP_HEIGHT * ratio);
    this.timeline = new Timeline(this.clip.seconds, this.clip.frames, width);
    const frame = `frame ${this.timeline.frameAt(this.time) + 1}/${this.clip.frames}`;
    this.timeText.textContent = `${this.time.toFixed(2)} / ${this.clip.seconds.toFixed(2)} s · ${frame}`;
    if (this.clip.envelope && this.columnsWidth !== this.canvas.width) {
      this.columns = waveformColumns(this.clip.envelope, this.clip.seconds, this.canvas.width);
      this.columnsWidth = this.canvas.width;
    }
    const slots = this.timeline.slots((FRAME_ROW * this.clip.width) / this.clip.height);
    this.grabber.request(slots.map((s) => s.frame));
    const onsets = this.onsets.filter((t) => t >= 0 && t <= this.clip.seconds);
    drawStrip(this.canvas.getContext("2d"), {
      timeline: this.timeline,
      ratio,
      slots,
      thumbnails: this.grabber.thumbnails,
      columns: this.columns,
      onsets,
      time: this.time,
    });
    Object.assign(this.canvas.dataset, {
      playheadX: this.timeline.x(this.time).toFixed(1),
      time: this.time.toFixed(3),
      thumbnails: String(slots.filter((s) => this.grabber.thumbnails.has(s.frame)).length),
      slots: String(slots.length),
      onsets: String(onsets.length),
      waveform: String(this.columns ? this.columns.low.length : 0),
    });
  }

  destroy() {
    players.delete(this);
    this.stopFollowing();
    this.stopScrubbing();
    this.resizeObserver.disconnect();
    cancelAnimationFrame(this.drawPending);
    this.grabber?.close();
    this.video.pause();
    this.video.removeAttribute("src");
    this.video.load();
  }
}
