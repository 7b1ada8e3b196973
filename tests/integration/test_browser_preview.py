"""The clip preview (web/) in a real browser against a real ComfyUI.

Headless Chromium (Debian's package; never downloaded) is driven by Playwright. ComfyUI runs as in
the integration test (see comfyui_server.py). The shipped text-to-video workflow is loaded into the
page, set small (the tiny checkpoint, 96×64, 49 frames), given a Talkies Preview Clip next to its
Save Clip, and queued with the page's own Run; then the test checks in the page that the sampler
counted its steps, that each player has a video with an audio track, that the strip under it is
drawn (frames, waveform, onset markers as the server measured them), that pressing play moves the
playhead with the sound decoding, and that scrubbing and frame stepping move the video. A
screenshot of the saved clip's node is written to tests/artifacts/ (or TALKIES_TEST_ARTIFACTS).
A second test blocks our script and checks that ComfyUI's own video preview shows the clip.

Skips, saying why, without COMFYUI_DIR, without a Chromium binary (CHROMIUM or chromium on PATH) or
without the playwright package (the ``test`` extra).
"""

import json
import os
import shutil
import urllib.request
from pathlib import Path

import pytest

from comfyui_server import REPO, TINY_CHECKPOINT, comfyui_skip_reason, running_comfyui

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("TALKIES_TEST_ARTIFACTS") or REPO / "tests" / "artifacts")
WORKFLOW = REPO / "workflows" / "text-to-video-with-sound.json"
SAVE_NODE, SAMPLER_NODE = 6, 4
CHROMIUM_ARGS = [  # Playwright adds --headless
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RUN_TIMEOUT_MS = 300_000


def _skip_reason() -> str:
    if reason := comfyui_skip_reason():
        return reason
    if not CHROMIUM:
        return "no Chromium binary: install Debian's chromium package or set CHROMIUM to one"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return (
            "the playwright package is missing: pip install playwright (the test extra; no browser download)"
        )
    return ""


_skip = _skip_reason()
pytestmark = [pytest.mark.comfyui, pytest.mark.skipif(bool(_skip), reason=_skip)]


@pytest.fixture(scope="module")
def comfyui(tmp_path_factory):
    with running_comfyui(tmp_path_factory.mktemp("comfyui")) as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900},
        )
        yield context
        context.close()


def _open(browser, url: str, block_our_script: bool = False):
    """A fresh tab on ComfyUI, ready for a workflow to be loaded."""
    page = browser.new_page()
    page.talkies_errors = []
    page.on("pageerror", lambda error: page.talkies_errors.append(str(error)))
    page.on(
        "console",
        lambda m: page.talkies_errors.append(m.text) if m.type == "error" and "[talkies]" in m.text else None,
    )
    if block_our_script:
        page.route("**/extensions/talkies/talkies_preview.js", lambda route: route.fulfill(status=404))
    page.goto(url)
    # window.app is set once the app is set up; the splash goes when its start-up workflow is in.
    page.wait_for_function(
        "() => window.app && !document.getElementById('splash-loader')", timeout=RUN_TIMEOUT_MS
    )
    for _ in range(5):  # a new user is offered the template browser
        if not page.locator("[role=dialog]").count():
            break
        page.keyboard.press("Escape")
    return page


def _queue_shipped_workflow(page, seed: int, add_preview: bool) -> None:
    """Load the shipped UI workflow as a user would, make it small, and press Run (app.queuePrompt)."""
    page.evaluate(
        """async ({ workflow, checkpoint, seed, addPreview }) => {
          const app = window.comfyAPI.app.app;
          await app.loadGraphData(workflow);
          const set = (id, name, value) => {
            app.graph.getNodeById(id).widgets.find((w) => w.name === name).value = value;
          };
          set(1, "ckpt_name", checkpoint);
          const size = { width: 96, height: 64, length: 49, unit: "frames" };
          Object.entries(size).forEach(([name, value]) => set(3, name, value));
          set(4, "seed", seed);
          set(4, "steps", 6);
          if (addPreview) {
            const decode = app.graph.getNodeById(5);
            const preview = window.LiteGraph.createNode("TalkiesPreviewClip");
            preview.pos = [decode.pos[0], decode.pos[1] + 320];
            app.graph.add(preview);
            decode.connect(0, preview, 0);
            decode.connect(1, preview, 1);
          }
          const steps = document.querySelector(".talkies-steps");
          window.talkiesSteps = [];
          if (steps) {
            const record = () => window.talkiesSteps.push({ ...steps.dataset, text: steps.textContent });
            new MutationObserver(record).observe(steps, { attributes: true, subtree: true, childList: true });
          }
          await app.queuePrompt(0, 1);
        }""",
        {
            "workflow": json.loads(WORKFLOW.read_text()),
            "checkpoint": TINY_CHECKPOINT,
            "seed": seed,
            "addPreview": add_preview,
        },
    )


def _show_node(page, node_id: int) -> None:
    page.evaluate(
        """(id) => {
          const app = window.comfyAPI.app.app;
          app.canvas.ds.scale = 1;
          app.canvas.centerOnNode(app.graph.getNodeById(id));
          app.canvas.setDirty(true, true);
        }""",
        node_id,
    )


def _history_clips(url: str) -> dict[str, list[dict]]:
    """node id -> talkies_clips of the latest prompt in ComfyUI's history."""
    with urllib.request.urlopen(f"{url}/history", timeout=30) as response:
        history = json.loads(response.read())
    latest = max(history.values(), key=lambda entry: entry["prompt"][0])
    return {node: out["talkies_clips"] for node, out in latest["outputs"].items() if "talkies_clips" in out}


PLAYER_STATE = """(player) => {
  const video = player.querySelector("video");
  const strip = player.querySelector(".talkies-strip");
  const stream = video.captureStream();
  return {
    readyState: video.readyState, duration: video.duration, currentTime: video.currentTime,
    paused: video.paused, muted: video.muted, audioBytes: video.webkitAudioDecodedByteCount,
    audioTracks: stream.getAudioTracks().length, videoTracks: stream.getVideoTracks().length,
    strip: { ...strip.dataset, width: strip.clientWidth, deviceWidth: strip.width },
    time: player.querySelector(".talkies-time").textContent,
  };
}"""

# What the strip's rows hold (CSS pixels, see web/strip.js): frames 0-40, waveform 42-86.
STRIP_PIXELS = """(strip) => {
  const ctx = strip.getContext("2d");
  const ratio = strip.width / strip.clientWidth;
  const rows = {};
  for (const [name, top, bottom] of [["frames", 0, 40], ["waveform", 42, 86]]) {
    const y = Math.round(top * ratio);
    const data = ctx.getImageData(0, y, strip.width, Math.round((bottom - top) * ratio)).data;
    let wave = 0, lit = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (g > 110 && b > 100 && r < 130 && g - r > 40) wave++;       // the waveform's teal
      if (Math.max(r, g, b) - Math.min(r, g, b) > 40 || r + g + b > 300) lit++;  // not the dark greys
    }
    rows[name] = { wave: wave / (data.length / 4), lit: lit / (data.length / 4) };
  }
  return rows;
}"""


def test_the_clip_plays_with_its_sound_over_its_frames_and_waveform(browser, comfyui):
    page = _open(browser, comfyui)
    _queue_shipped_workflow(page, seed=7, add_preview=True)
    page.wait_for_function(
        "() => document.querySelectorAll('.talkies-player[data-clip]').length === 2", timeout=RUN_TIMEOUT_MS
    )
    clips = _history_clips(comfyui)
    (saved,) = clips[str(SAVE_NODE)]
    ((previewed_node, (previewed,)),) = [(k, v) for k, v in clips.items() if k != str(SAVE_NODE)]
    assert saved["type"] == "output" and previewed["type"] == "temp"

    steps = page.evaluate("window.talkiesSteps")
    running = [int(s["value"]) for s in steps if s["state"] == "running" and s["value"] != "0"]
    assert running == sorted(running) and running[-1] == 6 and len(set(running)) >= 3, steps
    assert any(s["text"].startswith("Step 3 / 6") for s in steps), "the count shows while it samples"
    assert steps[-1]["state"] == "done" and steps[-1]["text"].startswith("6 steps in")

    for node, clip in ((int(previewed_node), previewed), (SAVE_NODE, saved)):
        _show_node(page, node)
        player = page.locator(f".talkies-player[data-clip='{clip['filename']}']")
        strip = player.locator(".talkies-strip")
        page.wait_for_function(
            "(s) => s.clientWidth > 0 && s.dataset.slots && s.dataset.thumbnails === s.dataset.slots",
            arg=strip.element_handle(),
            timeout=60_000,
        )
        state = player.evaluate(PLAYER_STATE)
        assert state["readyState"] >= 2 and abs(state["duration"] - clip["seconds"]) < 0.05
        assert (state["audioTracks"], state["videoTracks"]) == (1, 1), "the video carries its sound"
        assert int(state["strip"]["onsets"]) == len(clip["onsets"]), "every measured onset is marked"
        assert int(state["strip"]["waveform"]) == state["strip"]["deviceWidth"], "a column per device pixel"
        pixels = strip.evaluate(STRIP_PIXELS)
        assert pixels["waveform"]["wave"] > 0.1, f"the waveform is drawn: {pixels}"
        assert pixels["frames"]["lit"] > 0.3, f"the frames are drawn: {pixels}"

    player = page.locator(f".talkies-player[data-clip='{saved['filename']}']")
    strip = player.locator(".talkies-strip")
    assert player.evaluate(PLAYER_STATE)["strip"]["playheadX"] == "0.0"
    player.locator("button[title^='Play']").click()
    page.wait_for_function("(s) => Number(s.dataset.time) > 0.5", arg=strip.element_handle(), timeout=10_000)
    state = player.evaluate(PLAYER_STATE)
    assert not state["paused"] and not state["muted"] and state["audioBytes"] > 0, "it plays with sound"
    x, width = float(state["strip"]["playheadX"]), state["strip"]["width"]
    assert 0 < x < width and abs(x - width * state["currentTime"] / saved["seconds"]) < 0.1 * width
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    box = page.evaluate(
        """(id) => {
          const app = window.comfyAPI.app.app;
          const node = app.graph.getNodeById(id);
          const [left, top] = app.canvas.ds.convertOffsetToCanvas([node.pos[0], node.pos[1]]);
          const rect = app.canvas.canvas.getBoundingClientRect();
          const scale = app.canvas.ds.scale;
          return { x: rect.left + left - 8, y: rect.top + top - 40, width: node.size[0] * scale + 16,
                   height: node.size[1] * scale + 48 };
        }""",
        SAVE_NODE,
    )
    page.screenshot(path=str(ARTIFACTS / "browser_preview.png"), clip=box)
    page.screenshot(path=str(ARTIFACTS / "browser_preview_page.png"))

    player.locator("button[title^='Pause']").click()
    strip_box = strip.bounding_box()
    page.mouse.click(strip_box["x"] + 0.75 * strip_box["width"], strip_box["y"] + 60)
    scrubbed = 0.75 * saved["seconds"]
    page.wait_for_function(
        "([s, v, t]) => !v.seeking && Math.abs(Number(s.dataset.time) - t) < 0.05",
        arg=[strip.element_handle(), player.locator("video").element_handle(), scrubbed],
    )
    state = player.evaluate(PLAYER_STATE)
    assert state["paused"] and abs(state["currentTime"] - scrubbed) < 2 / saved["fps"]
    assert abs(float(state["strip"]["playheadX"]) - 0.75 * width) < 2
    frame = int(state["currentTime"] * saved["fps"])
    assert f"frame {frame + 1}/{saved['frames']}" in state["time"], "frames count from 1 on screen"
    player.locator("button[title^='Next frame']").click()
    time_text = player.locator(".talkies-time").element_handle()
    page.wait_for_function("([e, f]) => e.textContent.includes(f)", arg=[time_text, f"frame {frame + 2}/"])

    # Another workflow tab and back: the outputs are restored without a run, and so is the player.
    page.get_by_text("Unsaved Workflow", exact=True).first.click()
    page.wait_for_function("() => !document.querySelector('.talkies-player')")
    page.get_by_text("Unsaved Workflow (2)", exact=True).first.click()
    page.wait_for_selector(f".talkies-player[data-clip='{saved['filename']}']", state="attached")
    sources = page.evaluate("() => [...document.querySelectorAll('video')].map((v) => v.src)")
    assert len([s for s in sources if saved["filename"] in s]) == 1, "ours only, not ComfyUI's as well"
    assert not page.talkies_errors
    page.close()


def test_without_our_script_comfyui_shows_the_clip_in_its_own_player(browser, comfyui):
    page = _open(browser, comfyui, block_our_script=True)
    _queue_shipped_workflow(page, seed=8, add_preview=False)
    _show_node(page, SAVE_NODE)
    (saved,) = page.wait_for_function(
        """() => {
          const sources = [...document.querySelectorAll("video")].map((v) => v.currentSrc || v.src);
          const ours = sources.filter((src) => src.includes("text-to-video"));
          return ours.length ? ours : null;
        }""",
        timeout=RUN_TIMEOUT_MS,
    ).json_value()
    assert f"filename={_history_clips(comfyui)[str(SAVE_NODE)][0]['filename']}" in saved
    assert page.locator(".talkies-player").count() == 0 and page.locator(".talkies-steps").count() == 0
    page.close()
