"""The attention explorer in a real browser: JupyterLab + Debian's Chromium, offline.

Starts JupyterLab on 127.0.0.1 in a temporary copy of tests/browser/, opens
explorer.ipynb with Playwright, runs it, and drives the widget: hover and pin a
token, pick a head thumbnail, switch layer (a round trip through the Python
kernel). Every request that is not to the local server is blocked and reported.

Readability is measured, not eyeballed: in JupyterLab's light and dark themes the
contrast ratio (WCAG's formula) of every text the explorer draws against what is
behind it, from the rendered page's computed styles: tokens plain and shaded by
their weight, buttons, captions, and the heatmap's canvas labels (whose colour
and font the view mirrors in data attributes). The reopen test saves the notebook,
shuts its kernel down and reloads the page: the static picture must show, and
JupyterLab's "model not found" message must not.

Screenshots land in the test's tmp dir (pytest prints it on failure) and in
tests/artifacts/: explorer-light.png, explorer-dark.png, reopened.png.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).parent
ARTIFACTS = HERE / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)"),
    # Measured at load 4 on 2 cores: server up in 6 s, the explorer test 8.5 s, the kernel ready in a few
    # seconds (importing torch: ~9 s on a loaded machine). Every limit below is 10-30x that, so a busy
    # machine slows the test down but does not fail it.
    pytest.mark.timeout(900),
]
sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_api(url: str, server: subprocess.Popen, timeout: float) -> None:
    """Poll the server's /api until it answers, failing early if the server died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/api", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise TimeoutError(f"jupyter lab did not answer at {url}/api within {timeout} s")


@pytest.fixture(scope="module")
def lab_url(tmp_path_factory: pytest.TempPathFactory):
    """URL of a JupyterLab server rooted at a temporary copy of tests/browser/."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(HERE / "browser", root, dirs_exist_ok=True)
    port = _free_port()
    # Fresh lab settings (no news pop-up over the widget) and runtime files kept out of ~.
    settings = root / ".settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    # The server's HTML export (File > Save and Export Notebook As > HTML) made offline, as the course's
    # launchers configure it (lmkit.course.export.server_config).
    from lmkit.course.export import server_config

    (root / ".jupyter").mkdir()
    (root / ".jupyter" / "jupyter_server_config.json").write_text(json.dumps(server_config()))
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(root / ".jupyter"),
        "JUPYTER_RUNTIME_DIR": str(root / ".runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(root / ".workspaces"),
        "JUPYTERLAB_SETTINGS_DIR": str(root / ".settings"),
    }
    log = open(root / "server.log", "wb")
    server = subprocess.Popen(
        [
            sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", f"--port={port}",
            "--ServerApp.ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={root}",
            "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
        ],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_api(url, server, timeout=240)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and the kernels it started
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=5)
        log.close()


@pytest.fixture
def page(lab_url: str):
    """A Chromium page that may only talk to the local server; records blocked requests and JS errors."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.blocked = []
        page.errors = []

        def only_local(route):
            if route.request.url.startswith(lab_url) or route.request.url.startswith("data:"):
                route.continue_()
            else:
                page.blocked.append(route.request.url)
                route.abort()

        page.route("**/*", only_local)
        page.on("pageerror", lambda error: page.errors.append(error.stack or str(error)))
        page.set_default_timeout(120_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


KERNEL_READY = """() => {
    const kernel = window.jupyterapp?.shell?.currentWidget?.sessionContext?.session?.kernel;
    return kernel?.connectionStatus === "connected" && kernel?.status === "idle";
}"""


def run_notebook_until(page, selector: str, attempts: int = 3) -> None:
    """Run all cells until ``selector`` shows up.

    Opening a notebook with ?reset can start a kernel and swap it for a second one
    just after the first reports idle; cells sent in between are lost, so retry.
    """
    for attempt in range(attempts):
        page.wait_for_function(KERNEL_READY, timeout=240_000)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        try:
            page.locator(selector).first.wait_for(timeout=120_000)
            return
        except sync_api.TimeoutError:
            if attempt == attempts - 1:
                raise


def notebook_weights() -> tuple[list[str], np.ndarray]:
    """Recompute the notebook's tokens and weights by running its first code cell here."""
    notebook = json.loads((HERE / "browser" / "explorer.ipynb").read_text(encoding="utf-8"))
    first_code = next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")
    namespace: dict = {}
    exec("".join(first_code["source"]), namespace)
    return namespace["tokens"], namespace["weights"]


def strongest(weights: np.ndarray, tokens: list[str]) -> str:
    """How the read-out names the strongest link: “token” 0.42."""
    index = int(weights.argmax())
    return f"“{tokens[index]}” {weights[index]:.2f}"


# WCAG 2 contrast of every text the explorer shows, from computed styles. A text's background is the
# first opaque background-color among it and its ancestors (the explorer draws no images under text).
CONTRASTS = """(root) => {
    const parse = (colour) => {
        const m = colour.match(/rgba?\\(([^)]+)\\)/);
        if (!m) return null;
        const [r, g, b, a = 1] = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
        return [r, g, b, a];
    };
    const background = (node) => {
        for (let at = node; at; at = at.parentElement) {
            const colour = parse(getComputedStyle(at).backgroundColor);
            if (colour && colour[3] > 0.99) return colour;
        }
        return [255, 255, 255, 1];
    };
    const blend = (fg, bg) => fg.slice(0, 3).map((c, i) => c * fg[3] + bg[i] * (1 - fg[3]));
    const luminance = (rgb) => {
        const [r, g, b] = rgb.map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (text, node) => {
        const bg = background(node);
        const [hi, lo] = [luminance(blend(parse(text), bg)), luminance(bg.slice(0, 3))].sort((a, b) => b - a);
        return { ratio: (hi + 0.05) / (lo + 0.05), text, background: `rgb(${bg.slice(0, 3).join(", ")})` };
    };
    const texts = {};
    const add = (name, node, colour) => { texts[name] = ratio(colour || getComputedStyle(node).color, node); };
    root.querySelectorAll(".lmx-token").forEach((node) => add(`token ${node.dataset.role} ${node.dataset.index}`, node));
    root.querySelectorAll(".lmx-layer").forEach((node) => add(`layer button ${node.dataset.layer}`, node));
    root.querySelectorAll(".lmx-thumb-label").forEach((node, i) => add(`thumbnail label ${i}`, node));
    for (const name of ["lmx-title", "lmx-readout", "lmx-colourbar", "lmx-column-heads"]) add(name, root.querySelector(`.${name}`));
    const heatmap = root.querySelector(".lmx-heatmap");
    add("heatmap labels", heatmap, heatmap.dataset.labelColour);
    return texts;
}"""
MIN_CONTRAST = 4.5  # WCAG AA for normal text
MIN_CONTRAST_MUTED = 3.0  # captions in the theme's secondary text colour (WCAG AA for large text)


def check_contrast(root, theme: str) -> dict:
    """Every text of the explorer reads on its background; returns the ratios measured."""
    texts = root.evaluate(CONTRASTS)
    muted = ("thumbnail label", "lmx-readout", "lmx-colourbar", "lmx-column-heads")
    low = {
        name: found for name, found in texts.items()
        if found["ratio"] < (MIN_CONTRAST_MUTED if name.startswith(muted) else MIN_CONTRAST)
    }
    assert not low, f"unreadable text in the {theme} theme (contrast ratio, colours): {low}"
    return texts


def set_theme(page, name: str, light: bool) -> None:
    page.evaluate(f"window.jupyterapp.commands.execute('apputils:change-theme', {{theme: {name!r}}})")
    page.wait_for_function(f"document.body.dataset.jpThemeLight === {str(light).lower()!r}", timeout=60_000)
    # The theme's CSS applies a moment after the flag: wait until the page background follows it.
    dark_background = (
        "(() => { const probe = document.createElement('div'); probe.style.color = 'var(--jp-layout-color0)';"
        " document.body.append(probe); const colour = getComputedStyle(probe).color; probe.remove();"
        " const [r, g, b] = colour.match(/\\d+/g).map(Number); return r + g + b < 200; })()"
    )
    page.wait_for_function(dark_background if not light else f"!{dark_background}", timeout=60_000)


def open_notebook(page, lab_url: str, *, reset: bool = True) -> None:
    page.goto(f"{lab_url}/lab/tree/explorer.ipynb" + ("?reset" if reset else ""))
    page.wait_for_function("window.jupyterapp !== undefined", timeout=240_000)
    page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').first.wait_for(timeout=240_000)


def save_screenshot(locator, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    locator.screenshot(path=str(path))
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(path, ARTIFACTS / name)
    return path


def test_explorer_in_jupyterlab(page, lab_url: str, tmp_path: Path) -> None:
    tokens, weights = notebook_weights()
    expect = sync_api.expect
    open_notebook(page, lab_url)
    set_theme(page, "JupyterLab Light", light=True)
    run_notebook_until(page, ".lmx-root")

    root = page.locator(".lmx-root").first
    # The live view is on the page: the static picture displayed before it is hidden.
    expect(page.locator(".lmkit-attention-fallback")).to_be_hidden()
    # The canvas labels are drawn in the page's text colour and a fixed monospace font from the
    # first drawing on (they used to change font on the first hover).
    heatmap = root.locator(".lmx-heatmap")
    first_font = heatmap.get_attribute("data-label-font")
    assert "DejaVu Sans Mono" in first_font, first_font
    assert heatmap.get_attribute("data-label-colour") == root.evaluate("node => getComputedStyle(node).color")
    expect(root).to_have_attribute("data-loaded-layer", "0")
    expect(root).to_have_attribute("data-head", "0")
    expect(root.locator(".lmx-thumb")).to_have_count(4)
    expect(root.locator('.lmx-token[data-role="query"]')).to_have_count(12)
    expect(root.locator('.lmx-token[data-role="key"][data-index="1"]')).to_have_text("cat")

    # Hover a query token: its row lights up (focus attribute, outlined token, shaded keys).
    query = root.locator('.lmx-token[data-role="query"][data-index="1"]')
    query.hover()
    expect(root).to_have_attribute("data-focus", "query:1")
    expect(query).to_have_class("lmx-token lmx-focus")
    # The read-out names query 1's strongest key of layer 0, head 0: its row, decoded from float16.
    expect(root.locator(".lmx-readout")).to_contain_text(f"attends most to: {strongest(weights[0, 0, 1], tokens)}")
    shaded = root.locator('.lmx-token[data-role="key"][data-index="0"]').evaluate("node => node.style.background")
    assert shaded.startswith("rgb"), f"key tokens should be shaded by their weight; got {shaded!r}"
    assert heatmap.get_attribute("data-label-font") == first_font, "the labels' font changed on hover"
    check_contrast(root, "light")  # with the key tokens shaded

    # Click a key token: it is pinned (a synced traitlet) and stays in focus after the pointer leaves.
    root.locator('.lmx-token[data-role="key"][data-index="2"]').click()
    root.locator(".lmx-title").hover()
    expect(root).to_have_attribute("data-pinned", "key:2")
    expect(root).to_have_attribute("data-focus", "key:2")
    expect(root.locator(".lmx-readout")).to_contain_text(f"is attended to most by: {strongest(weights[0, 0, :, 2], tokens)}")

    # Click a head thumbnail: that head becomes the selected one.
    thumbnail = root.locator('.lmx-thumb[data-head="2"]')
    thumbnail.click()
    expect(root).to_have_attribute("data-head", "2")
    expect(thumbnail).to_have_attribute("aria-pressed", "true")
    expect(root.locator('.lmx-thumb[data-head="0"]')).to_have_attribute("aria-pressed", "false")

    # Pick layer 1: the kernel must answer with that layer's weights (a JS -> Python -> JS round trip).
    before = root.locator(".lmx-heatmap").evaluate("canvas => canvas.toDataURL()")
    root.locator('.lmx-layer[data-layer="1"]').click()
    expect(root).to_have_attribute("data-loaded-layer", "1", timeout=120_000)
    after = root.locator(".lmx-heatmap").evaluate("canvas => canvas.toDataURL()")
    assert after != before, "the heatmap should be redrawn with layer 1's weights"

    # Hover the heatmap's bottom-right cell (it ends 4 px before the canvas edge): query 11 -> key 11.
    box = heatmap.bounding_box()
    heatmap.hover(position={"x": box["width"] - 7, "y": box["height"] - 7})
    expect(root).to_have_attribute("data-focus", "query:11")
    expect(root.locator(".lmx-readout")).to_contain_text(f"(11) → key “.” (11): {weights[1, 2, 11, 11]:.3f}")

    # Unpin, then hover a query of the causal layer 1: it puts no weight on later keys.
    root.locator('.lmx-token[data-role="key"][data-index="2"]').click()
    expect(root).to_have_attribute("data-pinned", "")
    root.scroll_into_view_if_needed()
    root.locator('.lmx-token[data-role="query"][data-index="3"]').hover()
    expect(root).to_have_attribute("data-focus", "query:3")
    later_keys = root.locator('.lmx-token[data-role="key"][data-index="4"]').evaluate("node => node.style.background")
    assert later_keys == "rgb(247, 251, 255)", f"a causal head gives later keys zero weight; got {later_keys!r}"
    check_contrast(root, "light")
    save_screenshot(root, tmp_path, "explorer-light.png")

    # The dark theme: the view redraws its canvases in the new colours, and every text still reads.
    set_theme(page, "JupyterLab Dark", light=False)
    page.wait_for_function(
        "() => { const root = document.querySelector('.lmx-root');"
        " return root.querySelector('.lmx-heatmap').dataset.labelColour === getComputedStyle(root).color; }",
        timeout=60_000,
    )
    assert heatmap.get_attribute("data-label-font") == first_font
    check_contrast(root, "dark")
    root.locator('.lmx-token[data-role="query"][data-index="6"]').hover()  # shade the keys again
    expect(root).to_have_attribute("data-focus", "query:6")
    dark = check_contrast(root, "dark")
    assert dark["heatmap labels"]["background"] != "rgb(255, 255, 255)", "the dark theme was not applied"
    save_screenshot(root, tmp_path, "explorer-dark.png")
    set_theme(page, "JupyterLab Light", light=True)  # the theme is a server-side setting: leave it as found

    assert not page.blocked, f"the explorer must work offline; it requested {page.blocked}"
    # JupyterLab itself may log errors while it swaps kernels; only the widget's own count here.
    widget_errors = [error for error in page.errors if any(mark in error for mark in ("lmx", "anywidget", "blob:"))]
    assert not widget_errors, f"JavaScript errors from the explorer: {widget_errors}"


def test_reopened_notebook_shows_the_static_picture(page, lab_url: str, tmp_path: Path) -> None:
    """Save, shut the kernel down, reload: the widget's model is gone, the saved picture must show."""
    expect = sync_api.expect
    open_notebook(page, lab_url)
    run_notebook_until(page, ".lmx-root")
    # Pick head 2 of layer 1: the saved picture must be of that head, not of the one first displayed.
    root = page.locator(".lmx-root").first
    root.locator('.lmx-layer[data-layer="1"]').click()
    expect(root).to_have_attribute("data-loaded-layer", "1", timeout=120_000)
    root.locator('.lmx-thumb[data-head="2"]').click()
    caption = page.locator(".lmkit-attention-fallback figcaption").first
    expect(caption).to_contain_text("layer 1 of 2, head 2 of 4", timeout=120_000)  # redrawn by the kernel
    page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("!window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=60_000)
    saved = json.loads(urllib.request.urlopen(f"{lab_url}/api/contents/explorer.ipynb").read())["content"]
    outputs = [output for cell in saved["cells"] if cell["cell_type"] == "code" for output in cell["outputs"]]
    kinds = [sorted(output.get("data", {})) for output in outputs]
    assert ["image/png", "text/html", "text/plain"] in kinds, f"the picture should be saved as its own output: {kinds}"

    # JupyterLab's HTML export of the saved notebook reads offline and shows the picture.
    with urllib.request.urlopen(f"{lab_url}/nbconvert/html/explorer.ipynb?download=false") as response:
        exported = response.read().decode("utf-8")
    remote = re.findall(r"""<(?:script|link|img)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//[^"'>]*""", exported)
    assert not remote, f"the HTML export needs the network: {remote}"
    assert re.search(r'class="lmkit-attention-fallback"[^>]*><img[^>]*src="data:image/png;base64,', exported)

    # Reloaded while the kernel still runs: the widget manager gets the model back from the kernel, the
    # live view shows and the picture stays hidden.
    open_notebook(page, lab_url, reset=False)
    page.locator(".lmx-root").first.wait_for(timeout=120_000)
    expect(page.locator(".lmkit-attention-fallback")).to_be_hidden()

    # Shut every kernel down (the reopened notebook then gets a fresh one, without the widget's model).
    for session in json.loads(urllib.request.urlopen(f"{lab_url}/api/sessions").read()):
        request = urllib.request.Request(f"{lab_url}/api/sessions/{session['id']}", method="DELETE")
        urllib.request.urlopen(request).close()
    open_notebook(page, lab_url, reset=False)

    picture = page.locator(".lmkit-attention-fallback img").first
    expect(picture).to_be_visible(timeout=120_000)
    assert picture.evaluate("img => img.complete && img.naturalWidth > 100"), "the saved PNG did not load"
    expect(page.locator(".lmkit-attention-fallback figcaption")).to_contain_text("layer 1 of 2, head 2 of 4, 12 tokens")
    # Wait until the widget manager has given up on the model (it restores from the new kernel first),
    # then check that its message is not shown.
    dead_view = page.locator(".jp-OutputArea-output", has_text="model not found")
    dead_view.first.wait_for(state="attached", timeout=120_000)
    expect(dead_view).to_be_hidden()
    visible_errors = page.evaluate(
        "() => [...document.querySelectorAll('.jp-OutputArea-output')]"
        ".filter((node) => node.textContent.includes('model not found') && node.offsetParent !== null).length"
    )
    assert visible_errors == 0, "JupyterLab shows 'model not found' over the saved picture"
    save_screenshot(page.locator(".jp-Cell.jp-CodeCell").last, tmp_path, "reopened.png")
    assert not page.blocked, f"the reopened notebook must work offline; it requested {page.blocked}"
