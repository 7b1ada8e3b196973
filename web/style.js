// The player's and the step counter's look, added to the page once. ComfyUI's theme variables are
// used where they exist, with dark fallbacks.

const CSS = `
.talkies-player {
  display: flex; flex-direction: column; gap: 4px; width: 100%; height: 100%; box-sizing: border-box;
  font: 11px/1.3 var(--font-inter, system-ui, sans-serif); color: var(--input-text, #ddd); outline: none;
}
.talkies-player:focus-visible { box-shadow: 0 0 0 1px #6fe0d2; border-radius: 4px; }
.talkies-stage { flex: 1 1 auto; min-height: 0; background: #000; border-radius: 4px; overflow: hidden; }
.talkies-stage video { display: block; width: 100%; height: 100%; object-fit: contain; cursor: pointer; }
.talkies-transport { display: flex; align-items: center; gap: 2px; flex: 0 0 auto; height: 24px; }
.talkies-transport button, .talkies-transport a {
  display: inline-flex; align-items: center; justify-content: center; width: 24px; height: 22px;
  padding: 0; border: 0; border-radius: 4px; background: transparent; color: inherit; cursor: pointer;
  text-decoration: none;
}
.talkies-transport [hidden] { display: none; }
.talkies-transport button:hover, .talkies-transport a:hover { background: var(--comfy-input-bg, #2a2d33); }
.talkies-transport button[aria-pressed="false"] { opacity: 0.45; }
.talkies-transport svg { width: 14px; height: 14px; }
.talkies-time, .talkies-clip-count { font-variant-numeric: tabular-nums; white-space: nowrap; }
.talkies-time { margin-left: 4px; overflow: hidden; text-overflow: ellipsis; }
.talkies-fill { flex: 1 1 auto; }
.talkies-strip {
  display: block; width: 100%; flex: 0 0 auto; border-radius: 4px; cursor: col-resize; touch-action: none;
}
.talkies-info {
  flex: 0 0 auto; color: var(--descrip-text, #999);
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
}
.talkies-steps {
  display: flex; flex-direction: column; gap: 3px; width: 100%; height: 100%; box-sizing: border-box;
  font: 11px/1.3 var(--font-inter, system-ui, sans-serif); color: var(--input-text, #ddd);
}
.talkies-steps-text {
  font-variant-numeric: tabular-nums; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
}
.talkies-steps-bar {
  height: 4px; border-radius: 2px; background: var(--comfy-input-bg, #2a2d33); overflow: hidden;
}
.talkies-steps-bar > div { height: 100%; width: 0; background: #6fe0d2; transition: width 0.15s linear; }
`;

/** Add the stylesheet to the page (once). */
export function addStyles() {
  if (document.getElementById("talkies-styles")) return;
  const style = document.createElement("style");
  style.id = "talkies-styles";
  style.textContent = CSS;
  document.head.append(style);
}
