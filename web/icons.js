// Small inline SVG icons (16 × 16, filled with the text colour) for the player's buttons.

const PATHS = {
  play: "M4 2.5v11l9-5.5z",
  pause: "M4 2.5h3v11H4zM9 2.5h3v11H9z",
  previousFrame: "M3 2.5h2v11H3zM13 2.5v11L6 8z",
  nextFrame: "M11 2.5h2v11h-2zM3 2.5v11L10 8z",
  sound: "M1.5 6h3l4-3.5v11l-4-3.5h-3zM10.5 5.5H12v5h-1.5zM13.5 3.5H15v9h-1.5z",
  muted:
    "M1.5 6h3l4-3.5v11l-4-3.5h-3zM10 6l1-1 1.75 1.75L14.5 5l1 1-1.75 1.75 1.75 1.75-1 1-1.75-1.75L11 10.5l-1-1 1.75-1.75z",
  loop: "M2.5 7.5a4 4 0 0 1 4-4h4V1.5l3 3-3 3v-2h-4a2 2 0 0 0-2 2zM13.5 8.5a4 4 0 0 1-4 4h-4v2l-3-3 3-3v2h4a2 2 0 0 0 2-2z",
  download: "M7 1.5h2v6.5h2.5L8 11.5 4.5 8H7zM2.5 13h11v1.5h-11z",
  previousClip: "M10 2.5 4.5 8l5.5 5.5 1.1-1.1L6.7 8l4.4-4.4z",
  nextClip: "M6 2.5 11.5 8 6 13.5l-1.1-1.1L9.3 8 4.9 3.6z",
};

/** An <svg> element showing the named icon. */
export function icon(name) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", PATHS[name]);
  path.setAttribute("fill", "currentColor");
  svg.append(path);
  return svg;
}

/** A button with an icon and a tooltip. */
export function iconButton(name, title, onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.title = title;
  button.setAttribute("aria-label", title);
  button.append(icon(name));
  button.addEventListener("click", (event) => {
    event.stopPropagation();
    onClick(event);
  });
  return button;
}

/** Show another icon on a button made by iconButton. */
export function setIcon(button, name, title) {
  button.replaceChildren(icon(name));
  button.title = title;
  button.setAttribute("aria-label", title);
}
