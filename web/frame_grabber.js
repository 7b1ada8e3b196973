// Thumbnails of chosen frames, grabbed one by one from a hidden, muted copy of the clip, so the
// visible player is never disturbed. Each frame is grabbed once and kept.

export class FrameGrabber {
  /**
   * @param {string} url the clip
   * @param {(t: number) => number} middleOf seconds at which frame i is surely on screen
   * @param {number} height thumbnail height in device pixels
   * @param {() => void} onFrame called after each new thumbnail
   */
  constructor(url, middleOf, height, onFrame) {
    this.thumbnails = new Map();
    this.middleOf = middleOf;
    this.height = height;
    this.onFrame = onFrame;
    this.wanted = [];
    this.busy = false;
    this.closed = false;
    this.video = Object.assign(document.createElement("video"), {
      muted: true,
      preload: "auto",
      playsInline: true,
      src: url,
    });
    this.ready = new Promise((resolve, reject) => {
      this.video.addEventListener("loadeddata", resolve, { once: true });
      this.video.addEventListener("error", () => reject(new Error(`cannot load ${url} for thumbnails`)), {
        once: true,
      });
    });
    this.ready.catch((error) => console.warn("[talkies]", error.message));
  }

  /** Ask for these frames (the ones not grabbed yet are queued, replacing the previous request). */
  request(frames) {
    this.wanted = frames.filter((f, k) => !this.thumbnails.has(f) && frames.indexOf(f) === k);
    if (!this.busy) this.#work();
  }

  async #work() {
    this.busy = true;
    try {
      await this.ready;
      while (this.wanted.length && !this.closed) {
        const frame = this.wanted.shift();
        this.thumbnails.set(frame, await this.#grab(frame));
        this.onFrame();
      }
    } catch {
      // the clip did not load: the strip keeps its empty slots
    } finally {
      this.busy = false;
    }
  }

  #grab(frame) {
    const video = this.video;
    return new Promise((resolve) => {
      video.addEventListener(
        "seeked",
        () => {
          const canvas = document.createElement("canvas");
          canvas.height = this.height;
          canvas.width = Math.max(1, Math.round((this.height * video.videoWidth) / video.videoHeight));
          canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
          resolve(canvas);
        },
        { once: true },
      );
      video.currentTime = this.middleOf(frame);
    });
  }

  close() {
    this.closed = true;
    this.video.removeAttribute("src");
    this.video.load();
  }
}
