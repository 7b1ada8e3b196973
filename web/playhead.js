// Keeps the strip's playhead on the video's time, and lets the strip scrub the video.

/**
 * Call onTime(video.currentTime) on every animation frame while the video plays, and once after
 * every seek, pause or load. Returns a function that stops following.
 */
export function followPlayback(video, onTime) {
  let frame = 0;
  const tick = () => {
    onTime(video.currentTime);
    frame = video.paused || video.ended ? 0 : requestAnimationFrame(tick);
  };
  const start = () => {
    if (!frame) frame = requestAnimationFrame(tick);
  };
  const once = () => onTime(video.currentTime);
  const events = { play: start, playing: start, seeked: once, seeking: once, pause: once, loadeddata: once };
  for (const [name, handler] of Object.entries(events)) video.addEventListener(name, handler);
  return () => {
    cancelAnimationFrame(frame);
    for (const [name, handler] of Object.entries(events)) video.removeEventListener(name, handler);
  };
}

/**
 * Pressing or dragging on `surface` moves the video to the time under the pointer (timeAt(x) with
 * x in the surface's own CSS pixels from its left edge, whatever zoom the graph canvas applies);
 * playback pauses while dragging and resumes after.
 * onScrub(t) is told each time at once, before the video has seeked. Returns a function that detaches.
 */
export function attachScrubbing(surface, video, timeAt, onScrub) {
  let resume = false;
  const seek = (event) => {
    const box = surface.getBoundingClientRect();
    const t = timeAt(((event.clientX - box.left) * surface.clientWidth) / Math.max(box.width, 1));
    video.currentTime = t;
    onScrub(t);
  };
  const down = (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    event.stopPropagation();
    surface.setPointerCapture(event.pointerId);
    resume = !video.paused;
    video.pause();
    seek(event);
  };
  const move = (event) => {
    if (surface.hasPointerCapture(event.pointerId)) seek(event);
  };
  const up = (event) => {
    if (!surface.hasPointerCapture(event.pointerId)) return;
    surface.releasePointerCapture(event.pointerId);
    if (resume) video.play().catch(() => {});
  };
  surface.addEventListener("pointerdown", down);
  surface.addEventListener("pointermove", move);
  surface.addEventListener("pointerup", up);
  surface.addEventListener("pointercancel", up);
  return () => {
    surface.removeEventListener("pointerdown", down);
    surface.removeEventListener("pointermove", move);
    surface.removeEventListener("pointerup", up);
    surface.removeEventListener("pointercancel", up);
  };
}
