// Front end of lmkit's AttentionExplorer (an anywidget ES module).
// Plain JavaScript, canvas and DOM: no imports, no build step, nothing fetched from the network.
//
// Model state (synced with Python): tokens, n_layers, n_heads, layer, head, token, token_role,
// title, and _weights: the loaded layer's (heads, L, L) weights as little-endian float16 bytes,
// with _weights_layer saying which layer they are. Only that layer travels; picking another
// layer asks Python (via `layer`) for its weights.

const ROW_HEIGHT = 20; // px per token in the line view
const LINK_WIDTH = 140; // px between the query and key columns
const HEATMAP_SIDE = 380; // target side of the heatmap's cells, px
const THUMB_SIDE = 72; // side of a head thumbnail, px
const MAX_CANVAS_PIXELS = 16000; // keep tall canvases under browser limits
const TOP_K = 3; // strongest links listed in the read-out

// matplotlib's "Blues" sampled at 9 points: the same colours as the static PNG fallback.
const BLUES = ["#f7fbff", "#deebf7", "#c6dbef", "#9dcae1", "#6aaed6", "#4191c6", "#2070b4", "#08509b", "#08306b"];
// Text on a cell of the colour map: dark ink on the pale end, white on the dark end, whatever the
// theme (the theme's own text colour is light in a dark theme: unreadable on a pale cell).
// With black below index 182 and white from it, every cell's text has a contrast ratio of at least
// 4.58 (WCAG's 4.5 for normal text).
const INK_ON_PALE = "#000000";
const INK_ON_DARK = "#ffffff";
const DARK_FROM = 182; // colour-map index (0-255) from which a cell counts as dark
// Canvas text needs a concrete font: a CSS variable read before the view is attached comes back
// empty, and the canvas then silently keeps its default font (labels changed font on first redraw).
const MONO_FONT = '"DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace';
const UI_FONT = 'system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif';
// Fallbacks when the page gives no theme colours (the view drawn before it is attached).
const FALLBACK_TEXT = "#1f2328";
const FALLBACK_MUTED = "#57606a";
const FALLBACK_LINK_RGB = "8, 80, 155";

// ---------------------------------------------------------------------------------------------
// Decoding the payload

let halfTable = null;

/** The float32 value of every float16 bit pattern (built once: 65,536 entries). */
function float16Table() {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const fraction = bits & 0x3ff;
    if (exponent === 0) halfTable[bits] = sign * fraction * 2 ** -24; // subnormal
    else if (exponent === 31) halfTable[bits] = fraction ? NaN : sign * Infinity;
    else halfTable[bits] = sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
  }
  return halfTable;
}

/** Bytes of a synced Bytes trait, whatever container the widget manager handed us. */
function asBytes(value) {
  if (!value) return new Uint8Array(0);
  if (value instanceof DataView) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === "string") return Uint8Array.from(atob(value), (c) => c.charCodeAt(0)); // base64
  return new Uint8Array(0);
}

/** Little-endian float16 bytes -> Float32Array. */
function decodeFloat16(bytes) {
  const table = float16Table();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float32Array(bytes.byteLength >> 1);
  for (let i = 0; i < values.length; i++) values[i] = table[view.getUint16(2 * i, true)];
  return values;
}

// ---------------------------------------------------------------------------------------------
// Colours

function hexToRgb(hex) {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

/** 256-entry RGB look-up table interpolating the BLUES stops. */
const COLOUR_LUT = (() => {
  const stops = BLUES.map(hexToRgb);
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const position = (i / 255) * (stops.length - 1);
    const lower = Math.min(Math.floor(position), stops.length - 2);
    const t = position - lower;
    for (let c = 0; c < 3; c++) lut[3 * i + c] = stops[lower][c] * (1 - t) + stops[lower + 1][c] * t;
  }
  return lut;
})();

/** Index into COLOUR_LUT for a weight on the scale [0, vmax]. */
function colourIndex(weight, vmax) {
  const t = vmax > 0 ? weight / vmax : 0;
  return Math.max(0, Math.min(255, Math.round(t * 255)));
}

function cssColour(weight, vmax) {
  const i = 3 * colourIndex(weight, vmax);
  return `rgb(${COLOUR_LUT[i]}, ${COLOUR_LUT[i + 1]}, ${COLOUR_LUT[i + 2]})`;
}

/** The text colour that reads on the colour-map cell of this weight. */
function inkOn(weight, vmax) {
  return colourIndex(weight, vmax) >= DARK_FROM ? INK_ON_DARK : INK_ON_PALE;
}

/** Theme colours for canvas drawing, from the root's computed style, with fallbacks. */
function themeColours(root) {
  const style = root.isConnected ? getComputedStyle(root) : null;
  const read = (name, fallback) => (style && style.getPropertyValue(name).trim()) || fallback;
  return {
    text: (style && style.color) || FALLBACK_TEXT,
    muted: read("--lmx-muted", FALLBACK_MUTED),
    linkRgb: read("--lmx-link-rgb", FALLBACK_LINK_RGB),
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function element(tag, className, attributes = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

/** Tokens as shown: whitespace made visible, never an empty label. */
function displayToken(token) {
  const shown = token.replace(/\n/g, "⏎").replace(/\t/g, "⇥");
  return shown.trim() === "" ? "␣".repeat(Math.max(1, shown.length)) : shown;
}

/** A canvas sized in CSS pixels, drawn at the screen's pixel density (bounded). */
function sizeCanvas(canvas, width, height) {
  const ratio = Math.min(window.devicePixelRatio || 1, MAX_CANVAS_PIXELS / Math.max(width, height, 1));
  canvas.width = Math.max(1, Math.round(width * ratio));
  canvas.height = Math.max(1, Math.round(height * ratio));
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const context = canvas.getContext("2d");
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  return context;
}

/** Mark the button whose data-NAME equals `value` as selected (class and aria-pressed). */
function markSelected(buttons, name, value) {
  for (const button of buttons) {
    const selected = Number(button.dataset[name]) === value;
    button.classList.toggle("lmx-selected", selected);
    button.setAttribute("aria-pressed", String(selected));
  }
}

/** Paint an (L, L) matrix, one pixel per cell, then scale it up without smoothing. */
function paintMatrix(context, weights, offset, length, vmax, x, y, side) {
  const pixels = new ImageData(length, length);
  for (let cell = 0; cell < length * length; cell++) {
    const c = 3 * colourIndex(weights[offset + cell], vmax);
    pixels.data.set([COLOUR_LUT[c], COLOUR_LUT[c + 1], COLOUR_LUT[c + 2], 255], 4 * cell);
  }
  const scratch = element("canvas");
  scratch.width = length;
  scratch.height = length;
  scratch.getContext("2d").putImageData(pixels, 0, 0);
  context.imageSmoothingEnabled = false;
  context.drawImage(scratch, x, y, side, side);
}

// ---------------------------------------------------------------------------------------------
// The view

function render({ model, el }) {
  const state = {
    weights: new Float32Array(0), // the loaded layer, (heads, L, L)
    loadedLayer: -1,
    vmax: 1,
    hover: null, // {role: "query" | "key", index, key?} under the pointer, or null
  };

  // ---- skeleton
  const root = element("div", "lmx-root");
  const caption = element("div", "lmx-title");
  const toolbar = element("div", "lmx-toolbar");
  const layerBar = element("div", "lmx-layers", { role: "group", "aria-label": "layer" });
  const heads = element("div", "lmx-heads", { role: "group", "aria-label": "heads of the layer" });
  const main = element("div", "lmx-main");
  const linesScroll = element("div", "lmx-lines-scroll");
  const lines = element("div", "lmx-lines");
  const queryColumn = element("div", "lmx-column lmx-queries");
  const keyColumn = element("div", "lmx-column lmx-keys");
  const links = element("canvas", "lmx-links");
  const heatmapPanel = element("div", "lmx-heatmap-panel");
  const heatmap = element("canvas", "lmx-heatmap");
  const colourBar = element("div", "lmx-colourbar");
  const readout = element("div", "lmx-readout", { "aria-live": "polite" });
  const columnHeads = element("div", "lmx-column-heads");
  for (const text of ["query", "attends to →", "key"]) {
    const label = element("span");
    label.textContent = text;
    columnHeads.append(label);
  }
  lines.append(queryColumn, links, keyColumn);
  linesScroll.append(columnHeads, lines);
  heatmapPanel.append(heatmap, colourBar);
  main.append(linesScroll, heatmapPanel);
  toolbar.append(layerBar);
  root.append(caption, toolbar, heads, main, readout);
  el.append(root);

  const tokens = () => model.get("tokens");
  const length = () => tokens().length;
  const headOffset = (head) => head * length() * length();
  const weight = (head, query, key) => state.weights[headOffset(head) + query * length() + key];

  /** The token in focus: the one under the pointer, else the pinned one, else null. */
  function focus() {
    if (state.hover) return state.hover;
    const pinned = model.get("token");
    return pinned >= 0 ? { role: model.get("token_role"), index: pinned } : null;
  }

  /** Weights along the focus: the query's row, or the key's column. */
  function focusWeights(target) {
    const head = model.get("head");
    return tokens().map((_, other) =>
      target.role === "query" ? weight(head, target.index, other) : weight(head, other, target.index),
    );
  }

  // ---- load the layer's weights from the synced bytes
  function loadWeights() {
    const values = decodeFloat16(asBytes(model.get("_weights")));
    const expected = model.get("n_heads") * length() * length();
    state.weights = values.length === expected ? values : new Float32Array(expected);
    state.loadedLayer = model.get("_weights_layer");
    state.vmax = state.weights.reduce((a, b) => (b > a ? b : a), 0) || 1;
  }

  // ---- controls
  function buildLayerButtons() {
    layerBar.replaceChildren(element("span", "lmx-label"));
    layerBar.firstChild.textContent = "layer";
    for (let layer = 0; layer < model.get("n_layers"); layer++) {
      const button = element("button", "lmx-layer", { type: "button", "data-layer": layer });
      button.textContent = layer;
      button.addEventListener("click", () => {
        model.set("layer", layer);
        model.save_changes();
      });
      layerBar.append(button);
    }
  }

  function buildThumbnails() {
    heads.replaceChildren();
    for (let head = 0; head < model.get("n_heads"); head++) {
      const button = element("button", "lmx-thumb", { type: "button", "data-head": head, title: `show head ${head}` });
      const canvas = element("canvas");
      const label = element("span", "lmx-thumb-label");
      label.textContent = `head ${head}`;
      button.append(canvas, label);
      button.addEventListener("click", () => {
        model.set("head", head);
        model.save_changes();
      });
      heads.append(button);
    }
  }

  function buildTokenColumns() {
    const make = (role) =>
      tokens().map((token, index) => {
        const node = element("div", "lmx-token", { "data-role": role, "data-index": index, title: `${role} ${index}: ${token}` });
        node.textContent = displayToken(token);
        return node;
      });
    queryColumn.replaceChildren(...make("query"));
    keyColumn.replaceChildren(...make("key"));
    lines.style.height = `${length() * ROW_HEIGHT}px`;
  }

  // ---- drawing
  function drawThumbnails() {
    heads.querySelectorAll(".lmx-thumb").forEach((button) => {
      const head = Number(button.dataset.head);
      const context = sizeCanvas(button.querySelector("canvas"), THUMB_SIDE, THUMB_SIDE);
      paintMatrix(context, state.weights, headOffset(head), length(), state.vmax, 0, 0, THUMB_SIDE);
    });
  }

  function drawLinks(target) {
    const n = length();
    const context = sizeCanvas(links, LINK_WIDTH, n * ROW_HEIGHT);
    const head = model.get("head");
    const { linkRgb } = themeColours(root);
    const rowY = (i) => i * ROW_HEIGHT + ROW_HEIGHT / 2;
    const link = (query, key, alpha) => {
      context.strokeStyle = `rgba(${linkRgb}, ${alpha.toFixed(3)})`;
      context.beginPath();
      context.moveTo(2, rowY(query));
      context.bezierCurveTo(LINK_WIDTH / 2, rowY(query), LINK_WIDTH / 2, rowY(key), LINK_WIDTH - 2, rowY(key));
      context.stroke();
    };
    if (target) {
      // Only the focused token's links, scaled to their own strongest link so the pattern shows.
      const along = focusWeights(target);
      const strongest = Math.max(...along) || 1;
      context.lineWidth = 2;
      along.forEach((w, other) => {
        if (w / strongest < 0.01) return;
        if (target.role === "query") link(target.index, other, w / strongest);
        else link(other, target.index, w / strongest);
      });
      return;
    }
    context.lineWidth = 1;
    for (let query = 0; query < n; query++) {
      for (let key = 0; key < n; key++) {
        const strength = weight(head, query, key) / state.vmax;
        if (strength >= 0.03) link(query, key, 0.75 * strength);
      }
    }
  }

  function shadeTokens(target) {
    const along = target ? focusWeights(target) : null;
    const shaded = target ? (target.role === "query" ? keyColumn : queryColumn) : null;
    for (const column of [queryColumn, keyColumn]) {
      for (const node of column.children) {
        const index = Number(node.dataset.index);
        const isTarget = target && node.dataset.role === target.role && index === target.index;
        node.classList.toggle("lmx-focus", Boolean(isTarget));
        if (column === shaded) {
          node.style.background = cssColour(along[index], state.vmax);
          node.style.color = inkOn(along[index], state.vmax);
        } else {
          node.style.background = "";
          node.style.color = "";
        }
      }
    }
  }

  /** Heatmap geometry: cell size and room for token labels when they fit. */
  function heatmapLayout() {
    const n = length();
    // Whole pixels per cell while labels fit; fractional cells keep long inputs at full size.
    const raw = Math.min(28, HEATMAP_SIDE / n);
    const labelled = raw >= 10;
    const cell = labelled ? Math.floor(raw) : raw;
    const margin = labelled ? 8 + Math.min(90, Math.max(...tokens().map((t) => 7 * displayToken(t).length))) : 4;
    return { n, cell, labelled, margin, side: cell * n };
  }

  function drawHeatmap(target) {
    const { n, cell, labelled, margin, side } = heatmapLayout();
    const context = sizeCanvas(heatmap, margin + side + 4, margin + side + 4);
    const head = model.get("head");
    paintMatrix(context, state.weights, headOffset(head), n, state.vmax, margin, margin, side);
    const colours = themeColours(root);
    const labelFont = `${Math.min(12, cell - 1)}px ${MONO_FONT}`;
    // Mirrored for the browser test, which checks the labels' contrast and that the font never changes.
    heatmap.dataset.labelColour = colours.text;
    heatmap.dataset.labelFont = labelFont;
    if (labelled) {
      context.fillStyle = colours.text;
      context.font = labelFont;
      context.textBaseline = "middle";
      tokens().forEach((token, i) => {
        const label = displayToken(token).slice(0, 12);
        context.textAlign = "right";
        context.fillText(label, margin - 4, margin + (i + 0.5) * cell); // query rows
        context.save();
        context.translate(margin + (i + 0.5) * cell, margin - 4);
        context.rotate(-Math.PI / 2);
        context.textAlign = "left";
        context.fillText(label, 0, 0); // key columns
        context.restore();
      });
      context.fillStyle = colours.muted;
      context.font = `11px ${UI_FONT}`;
      context.textAlign = "right";
      context.fillText("key →", margin - 4, margin - 24);
      context.fillText("query ↓", margin - 4, margin - 10);
    }
    if (target) {
      context.strokeStyle = "#e8590c";
      context.lineWidth = 2;
      if (target.role === "query") context.strokeRect(margin, margin + target.index * cell, side, cell);
      else context.strokeRect(margin + target.index * cell, margin, cell, side);
    }
    colourBar.replaceChildren(element("span"), element("div", "lmx-ramp"), element("span"));
    colourBar.children[0].textContent = "0";
    colourBar.children[1].style.background = `linear-gradient(to right, ${BLUES.join(", ")})`;
    colourBar.children[2].textContent = state.vmax.toPrecision(2);
  }

  function describe(target) {
    const names = tokens();
    if (!target) {
      readout.textContent = "Hover a token or a heatmap cell to follow its attention; click to pin it.";
      return;
    }
    if (target.key !== undefined) {
      const w = weight(model.get("head"), target.index, target.key);
      readout.textContent = `query “${displayToken(names[target.index])}” (${target.index}) → key “${displayToken(names[target.key])}” (${target.key}): ${w.toFixed(3)}`;
      return;
    }
    const ranked = focusWeights(target)
      .map((w, i) => [w, i])
      .sort((a, b) => b[0] - a[0])
      .slice(0, TOP_K)
      .map(([w, i]) => `“${displayToken(names[i])}” ${w.toFixed(2)}`)
      .join(" · ");
    const verb = target.role === "query" ? "attends most to" : "is attended to most by";
    readout.textContent = `${target.role} “${displayToken(names[target.index])}” (${target.index}) ${verb}: ${ranked}`;
  }

  /** Redraw what depends on the head and the focus; mirror the state in data attributes. */
  function update() {
    const target = focus();
    const pinned = model.get("token");
    root.dataset.layer = model.get("layer");
    root.dataset.loadedLayer = state.loadedLayer;
    root.dataset.head = model.get("head");
    root.dataset.focus = target ? `${target.role}:${target.index}` : "";
    root.dataset.pinned = pinned >= 0 ? `${model.get("token_role")}:${pinned}` : "";
    root.classList.toggle("lmx-loading", model.get("layer") !== state.loadedLayer);
    caption.textContent = model.get("title") || `Attention · ${length()} tokens · ${model.get("n_layers")} layers × ${model.get("n_heads")} heads`;
    markSelected(layerBar.querySelectorAll(".lmx-layer"), "layer", model.get("layer"));
    markSelected(heads.querySelectorAll(".lmx-thumb"), "head", model.get("head"));
    shadeTokens(target);
    drawLinks(target);
    drawHeatmap(target);
    describe(target);
  }

  function rebuild() {
    loadWeights();
    buildLayerButtons();
    buildThumbnails();
    buildTokenColumns();
    drawThumbnails();
    update();
  }

  // ---- pointer interaction
  function setHover(next) {
    const same = JSON.stringify(next) === JSON.stringify(state.hover);
    state.hover = next;
    if (!same) update();
  }

  function togglePin(role, index) {
    const pinnedHere = model.get("token") === index && model.get("token_role") === role;
    model.set("token", pinnedHere ? -1 : index);
    model.set("token_role", role);
    model.save_changes();
  }

  lines.addEventListener("mouseover", (event) => {
    const node = event.target.closest(".lmx-token");
    if (node) setHover({ role: node.dataset.role, index: Number(node.dataset.index) });
  });
  lines.addEventListener("mouseleave", () => setHover(null));
  lines.addEventListener("click", (event) => {
    const node = event.target.closest(".lmx-token");
    if (node) togglePin(node.dataset.role, Number(node.dataset.index));
  });

  function cellAt(event) {
    const { n, cell, margin } = heatmapLayout();
    const box = heatmap.getBoundingClientRect();
    const key = Math.floor((event.clientX - box.left - margin) / cell);
    const query = Math.floor((event.clientY - box.top - margin) / cell);
    return query >= 0 && query < n && key >= 0 && key < n ? { query, key } : null;
  }
  heatmap.addEventListener("mousemove", (event) => {
    const at = cellAt(event);
    setHover(at ? { role: "query", index: at.query, key: at.key } : null);
  });
  heatmap.addEventListener("mouseleave", () => setHover(null));
  heatmap.addEventListener("click", (event) => {
    const at = cellAt(event);
    if (at) togglePin("query", at.query);
  });

  // ---- model events
  const onWeights = () => {
    loadWeights();
    drawThumbnails();
    update();
  };
  const listeners = [
    ["change:_weights change:_weights_layer", onWeights],
    ["change:head change:layer change:token change:token_role change:title", update],
    ["change:tokens change:n_layers change:n_heads", rebuild],
  ];
  for (const [events, callback] of listeners) model.on(events, callback);

  rebuild();

  // The first drawing may happen before the view is in the page (no theme colours yet): draw again
  // once it is laid out, and whenever JupyterLab switches theme (canvas pixels do not follow CSS).
  let drawnAttached = false;
  const resized = new ResizeObserver(() => {
    if (!drawnAttached && root.isConnected) {
      drawnAttached = true;
      update();
    }
  });
  resized.observe(root);
  let drawnColours = "";
  const themeWatch = new MutationObserver(() => {
    const colours = JSON.stringify(themeColours(root)); // body classes also change for other reasons
    if (colours !== drawnColours) {
      drawnColours = colours;
      update();
    }
  });
  themeWatch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-name", "data-jp-theme-light", "class"] });
  return () => {
    for (const [events, callback] of listeners) model.off(events, callback);
    resized.disconnect();
    themeWatch.disconnect();
  };
}

export default { render };
