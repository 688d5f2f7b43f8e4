// chainrule playground: the page. Plain JavaScript, no build step; everything is served by the package.
"use strict";

const FEATURES = [["x", "x1"], ["y", "x2"], ["xSquared", "x1²"], ["ySquared", "x2²"], ["xTimesY", "x1x2"],
                  ["sinX", "sin x1"], ["sinY", "sin x2"]];
const DATASETS = [["circle", "Circle"], ["xor", "XOR"], ["gauss", "Gaussian"], ["spiral", "Spiral"],
                  ["reg-plane", "Plane (regression)"], ["reg-gauss", "Multi-Gaussian (regression)"]];
const PAGE_KEYS = ["view", "oneExample", "autoplay"];
const DOMAIN = 6;
const NODE = 40, TOP = 30, ROW_H = 52;
let COL_W = 110;  // narrowed so that six hidden layers fit the column

const sid = (window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now())
  .replace(/[^A-Za-z0-9_-]/g, "");
const api = (path) => `/api/session/${sid}/${path}`;
const $ = (id) => document.getElementById(id);

const state = {
  config: {}, page: {view: "weights", oneExample: "false"}, frame: null, dataVersion: -1, data: null,
  curve: [], layoutKey: "", nodeEls: [], example: {layer: 0, to: 0, from: 0, x: null, y: null, path: 0},
  exampleResult: null,
};
window.playground = {state, sid};

// ---- colours -------------------------------------------------------------------------------------
function mix(a, b, t) { return a.map((v, i) => Math.round(v + (b[i] - v) * t)); }
const ORANGE = [245, 147, 34], GREY = [232, 234, 235], BLUE = [8, 119, 189];
const LUT = [];
for (let c = 0; c < 256; c++) {
  const v = c / 127.5 - 1;
  LUT.push(v < 0 ? mix(GREY, ORANGE, -v) : mix(GREY, BLUE, v));
}
function colour(v) {
  const c = LUT[Math.max(0, Math.min(255, Math.round((Math.max(-1, Math.min(1, v)) + 1) * 127.5)))];
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

// ---- talking to the server -----------------------------------------------------------------------
async function post(path, body) {
  const r = await fetch(api(path), {method: "POST", headers: {"Content-Type": "application/json"},
                                    body: JSON.stringify(body)});
  const out = await r.json();
  if (!r.ok) { showMessage([out.error || `request failed (${r.status})`]); return null; }
  return out;
}

function showMessage(lines) {
  const el = $("message");
  if (!lines || !lines.length) { el.hidden = true; el.textContent = ""; return; }
  el.hidden = false;
  el.textContent = lines.join(" · ");
}

async function sendConfig(params) {
  const out = await post("config", params);
  if (out) { applyConfig(out.config); showMessage(out.messages); }
  return out;
}

function applyConfig(cfg) {
  state.config = cfg;
  for (const key of ["learningRate", "regularizationRate"]) {
    if (document.activeElement !== $(key)) $(key).value = cfg[key];
  }
  for (const key of ["activation", "regularization", "optimizer", "init"]) $(key).value = cfg[key];
  for (const key of ["percTrainData", "noise", "batchSize"]) {
    $(key).value = cfg[key];
    $(key + "-val").textContent = cfg[key];
  }
  $("scale").checked = cfg.scale === "true";
  $("showTestData").checked = cfg.showTestData === "true";
  for (const b of document.querySelectorAll("#datasets button")) {
    b.classList.toggle("selected", b.dataset.name === cfg.dataset);
  }
  const shape = cfg.networkShape ? cfg.networkShape.split(",").map(Number) : [];
  $("layer-count").textContent = `${shape.length} hidden layer${shape.length === 1 ? "" : "s"}`;
  writeHash();
}

function writeHash() {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(state.config)) params.set(k, v);
  for (const k of PAGE_KEYS) if (state.page[k] !== undefined) params.set(k, state.page[k]);
  const hash = "#" + params.toString().replace(/%2C/g, ",");
  if (location.hash !== hash) history.replaceState(null, "", hash);
}

// ---- layout of the network -----------------------------------------------------------------------
function shape() { return state.config.networkShape ? state.config.networkShape.split(",").map(Number) : []; }
function activeFeatures() { return FEATURES.filter(([k]) => state.config[k] === "true").map(([k]) => k); }

function nodePos(col, i) { return {x: 70 + col * COL_W, y: TOP + i * ROW_H}; }

function buildNetwork() {
  const hidden = shape();
  const key = JSON.stringify([hidden, activeFeatures()]);
  if (key === state.layoutKey) return;
  state.layoutKey = key;
  COL_W = Math.max(64, Math.min(110, ($("net-col").clientWidth - 130) / (hidden.length + 1)));
  const nodes = $("nodes");
  nodes.innerHTML = "";
  state.nodeEls = [];  // in the server's order: active inputs, hidden layers, output
  const cols = [];
  // inputs: all seven, the inactive faded; a click toggles one
  const inputCol = [];
  FEATURES.forEach(([k, label], i) => {
    const on = state.config[k] === "true";
    const el = makeNode(nodePos(0, i), label, "left", `input ${on ? "" : "off"}`);
    el.dataset.feature = k;
    el.title = `${label}: click to turn ${on ? "off" : "on"}`;
    el.addEventListener("click", () => sendConfig({[k]: on ? "false" : "true"}));
    if (!on) paintFeature(el.querySelector("canvas"), i);
    nodes.appendChild(el);
    if (on) inputCol.push(el);
  });
  cols.push(inputCol);
  hidden.forEach((n, l) => {
    const col = [];
    for (let i = 0; i < n; i++) {
      const el = makeNode(nodePos(l + 1, i), "", "below", "hidden");
      el.dataset.layer = l; el.dataset.index = i;
      nodes.appendChild(el); col.push(el);
    }
    const pos = nodePos(l + 1, 0);
    const buttons = document.createElement("div");
    buttons.className = "layer-buttons";
    buttons.style.left = `${pos.x - 2}px`; buttons.style.top = `0px`;
    buttons.innerHTML = `<button data-d="1">+</button><button data-d="-1">&minus;</button> ${n}`;
    buttons.querySelectorAll("button").forEach((b) => b.addEventListener("click", () => {
      const s = shape(); s[l] = Math.max(1, Math.min(8, s[l] + Number(b.dataset.d)));
      sendConfig({networkShape: s.join(",")});
    }));
    nodes.appendChild(buttons);
    cols.push(col);
  });
  const out = makeNode(nodePos(hidden.length + 1, 0), "output", "below", "output");
  nodes.appendChild(out);
  cols.push([out]);
  state.cols = cols;
  state.nodeEls = cols.flat();
  $("network").style.height = `${Math.max(TOP + 7 * ROW_H, 200)}px`;
  $("network").style.width = `${70 + (hidden.length + 2) * COL_W}px`;
  // links: layer l joins column l to column l + 1; weights are [out, in]
  const svg = $("links");
  svg.innerHTML = "";
  state.links = [];
  for (let l = 0; l < cols.length - 1; l++) {
    cols[l + 1].forEach((to, j) => cols[l].forEach((from, i) => {
      const a = centre(from), b = centre(to);
      const p = document.createElementNS("http://www.w3.org/2000/svg", "path");
      const mx = (a.x + b.x) / 2;
      p.setAttribute("d", `M${a.x + NODE / 2},${a.y} C${mx},${a.y} ${mx},${b.y} ${b.x - NODE / 2},${b.y}`);
      p.dataset.layer = l; p.dataset.to = j; p.dataset.from = i;
      p.addEventListener("click", () => chooseWeight(l, j, i));
      svg.appendChild(p);
      state.links.push(p);
    }));
  }
}

const FEATURE_FNS = [(x, y) => x, (x, y) => y, (x, y) => x * x, (x, y) => y * y, (x, y) => x * y,
                     (x, y) => Math.sin(x), (x, y) => Math.sin(y)];

function paintFeature(canvas, i) {
  // an input that is off: its thumbnail computed here, as the server sends only the active ones
  const g = 50, codes = new Uint8Array(g * g), vals = new Float64Array(g * g);
  let max = 1e-12;
  for (let r = 0; r < g; r++) for (let c = 0; c < g; c++) {
    const x = -DOMAIN + (2 * DOMAIN * c) / (g - 1), y = DOMAIN - (2 * DOMAIN * r) / (g - 1);
    vals[r * g + c] = FEATURE_FNS[i](x, y); max = Math.max(max, Math.abs(vals[r * g + c]));
  }
  for (let k = 0; k < g * g; k++) codes[k] = Math.round((vals[k] / max + 1) * 127.5);
  paint(canvas, codes, 0, g);
}

function centre(el) { return {x: parseFloat(el.style.left) + NODE / 2, y: parseFloat(el.style.top) + NODE / 2}; }

function makeNode(pos, label, where, cls) {
  const el = document.createElement("div");
  el.className = `node ${cls}`;
  el.style.left = `${pos.x}px`; el.style.top = `${pos.y}px`;
  const c = document.createElement("canvas");
  c.width = 50; c.height = 50;
  el.appendChild(c);
  const lab = document.createElement("span");
  lab.className = `label ${where}`;
  lab.textContent = label;
  el.appendChild(lab);
  el.labelEl = lab; el.baseLabel = label;
  return el;
}

// ---- drawing a frame -----------------------------------------------------------------------------
function decode(b64) {
  const bin = atob(b64), out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function paint(canvas, codes, offset, g) {
  if (canvas.width !== g) { canvas.width = g; canvas.height = g; }
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(g, g);
  for (let i = 0; i < g * g; i++) {
    const c = LUT[codes[offset + i]];
    img.data[4 * i] = c[0]; img.data[4 * i + 1] = c[1]; img.data[4 * i + 2] = c[2]; img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

const offscreen = document.createElement("canvas");

function onFrame(f) {
  state.frame = f;
  applyConfigIfChanged(f.config);
  buildNetwork();
  $("epoch").textContent = f.epoch;
  $("play").classList.toggle("playing", f.playing);
  $("play").innerHTML = f.playing ? "&#x275A;&#x275A;" : "&#x25B6;";
  $("loss-test").textContent = f.testLoss === null ? "-" : f.testLoss.toFixed(3);
  $("loss-train").textContent = f.trainLoss === null ? "-" : f.trainLoss.toFixed(3);
  if (state.curveDigest !== f.initDigest || f.epoch < state.curveEpoch) state.curve = [];
  state.curveDigest = f.initDigest; state.curveEpoch = f.epoch;
  if (!state.curve.length || state.curve[state.curve.length - 1][0] !== f.epoch) {
    state.curve.push([f.epoch, f.trainLoss, f.testLoss]);
  }
  if (state.curve.length > 2000) state.curve.splice(0, state.curve.length - 2000);
  drawCurve();
  const codes = decode(f.nodes), g = f.grid;
  state.codes = codes;
  state.nodeEls.forEach((el, n) => paint(el.querySelector("canvas"), codes, n * g * g, g));
  paint(offscreen, codes, (state.nodeEls.length - 1) * g * g, g);
  if (f.dataVersion !== state.dataVersion) {
    state.dataVersion = f.dataVersion;
    fetch(api("data")).then((r) => r.json()).then((d) => { state.data = d; drawHeatmap(); });
  }
  drawHeatmap();
  drawLinks();
}

function applyConfigIfChanged(cfg) {
  if (JSON.stringify(cfg) !== JSON.stringify(state.config)) applyConfig(cfg);
}

function drawCurve() {
  const c = $("curve"), ctx = c.getContext("2d");
  ctx.clearRect(0, 0, c.width, c.height);
  const pts = state.curve;
  if (pts.length < 2) return;
  let max = 0;
  for (const p of pts) max = Math.max(max, p[1] || 0, p[2] || 0);
  max = max || 1;
  const x = (i) => (i / (pts.length - 1)) * (c.width - 4) + 2, y = (v) => c.height - 2 - (v / max) * (c.height - 4);
  for (const [k, style] of [[1, "#999"], [2, "#000"]]) {
    ctx.strokeStyle = style; ctx.beginPath();
    pts.forEach((p, i) => { if (p[k] !== null) (i ? ctx.lineTo(x(i), y(p[k])) : ctx.moveTo(x(i), y(p[k]))); });
    ctx.stroke();
  }
}

function toPx(v, size) { return ((v + DOMAIN) / (2 * DOMAIN)) * size; }

function drawHeatmap() {
  const c = $("heatmap"), ctx = c.getContext("2d");
  ctx.imageSmoothingEnabled = true;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, c.width, c.height);
  ctx.globalAlpha = 0.65;  // the regions lighter than the points, as in TF Playground
  ctx.drawImage(offscreen, 0, 0, c.width, c.height);
  ctx.globalAlpha = 1;
  const d = state.data;
  if (!d) return;
  const showTest = state.config.showTestData === "true";
  for (let i = 0; i < d.labels.length; i++) {
    const test = i >= d.nTrain;
    if (test && !showTest) continue;
    const [px, py] = d.points[i];
    ctx.beginPath();
    ctx.arc(toPx(px, c.width), c.height - toPx(py, c.height), 3, 0, 2 * Math.PI);
    ctx.fillStyle = colour(d.labels[i]);
    ctx.fill();
    ctx.strokeStyle = test ? "#000" : "#fff";
    ctx.stroke();
  }
  const ex = state.exampleResult;
  if (state.page.oneExample === "true" && ex) {
    ctx.beginPath();
    ctx.arc(toPx(ex.point[0], c.width), c.height - toPx(ex.point[1], c.height), 7, 0, 2 * Math.PI);
    ctx.strokeStyle = "#d62728"; ctx.lineWidth = 2; ctx.stroke(); ctx.lineWidth = 1;
  }
}

function fmt(v) { return Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(3) : v.toExponential(1); }

function drawLinks() {
  const f = state.frame;
  if (!f || !state.links) return;
  const grads = state.page.view === "gradients";
  let maxG = 1e-12;
  if (grads) for (const w of f.dw) for (const row of w) for (const v of row) maxG = Math.max(maxG, Math.abs(v));
  for (const p of state.links) {
    const l = +p.dataset.layer, j = +p.dataset.to, i = +p.dataset.from;
    if (!f.weights[l] || !f.weights[l][j]) continue;
    const w = f.weights[l][j][i], dw = f.dw[l][j][i];
    if (grads) {
      p.style.stroke = dw >= 0 ? "#7b3294" : "#1b9e77";
      p.style.strokeWidth = 0.5 + 7 * Math.abs(dw) / maxG;
    } else {
      p.style.stroke = colour(w);
      p.style.strokeWidth = Math.min(10, 0.5 + 2 * Math.abs(w));
    }
    p.setAttribute("data-w", w); p.setAttribute("data-dw", dw);
    p.innerHTML = `<title>w = ${fmt(w)}, dL/dw = ${fmt(dw)}</title>`;
  }
  $("net-hint").textContent = grads
    ? "Gradients of the training loss: links purple where dL/dw > 0, green where < 0, width by |dL/dw|; "
      + "a red outline marks a unit whose f'(z) is ~0 on 95 % of the points (dead ReLU, saturated sigmoid)."
    : "Links orange for negative weights, blue for positive, width by |w|. Click an input to switch it.";
  // neuron labels: dL/da and dead units in the gradients view, activations in one-example mode
  const ex = state.page.oneExample === "true" ? state.exampleResult : null;
  const nIn = state.cols[0].length;
  state.nodeEls.forEach((el, n) => {
    if (n < nIn) { el.classList.remove("dead"); return; }
    let layer = 0, idx = n - nIn;
    while (idx >= f.da[layer].length) { idx -= f.da[layer].length; layer++; }
    const dead = grads && f.live[layer][idx] < 0.05;
    el.classList.toggle("dead", dead);
    let text = el.baseLabel;
    if (grads) text = `dL/da ${fmt(f.da[layer][idx])}${dead ? " dead" : ""}`;
    if (ex) text = `a ${fmt(ex.a[layer][idx])}`;
    el.labelEl.textContent = text;
    el.title = `dL/da = ${f.da[layer][idx]}, f'(z) not ~0 on ${(100 * f.live[layer][idx]).toFixed(0)}% of training points`;
  });
  markPath();
}

// ---- one example ---------------------------------------------------------------------------------
function chooseWeight(layer, to, from) {
  if (state.page.oneExample !== "true") return;
  Object.assign(state.example, {layer, to, from, path: 0});
  runExample();
}

async function runExample() {
  const e = state.example;
  if (e.x === null) { $("example-summary").textContent = "Click a point on the output heatmap."; return; }
  const out = await post("example", {x: e.x, y: e.y, layer: e.layer, to: e.to, from: e.from});
  if (!out) return;
  state.exampleResult = out;
  renderExample();
  drawHeatmap(); drawLinks();
}

function nodeName(layer, idx, nLayers) {
  return layer === nLayers - 1 ? "out" : `h${layer + 1}.${idx + 1}`;
}

function renderExample() {
  const r = state.exampleResult, nL = r.a.length;
  const src = r.layer === 0 ? activeFeatures()[r.from] : nodeName(r.layer - 1, r.from, nL);
  const srcLabel = r.layer === 0 ? FEATURES.find(([k]) => k === src)[1] : src;
  const same = Math.abs(r.sum - r.engine) <= 1e-5 * Math.max(1, Math.abs(r.engine));
  $("example-summary").innerHTML =
    `Point (${r.point[0]}, ${r.point[1]}) (${r.train ? "training" : "test"}), label ${r.label}, ` +
    `output o = ${fmt(r.output)}, L = ½(o − y)² = ${fmt(r.loss)}, dL/do = o − y = ${fmt(r.dLdo)}.<br>` +
    `Weight w from ${srcLabel} to ${nodeName(r.layer, r.to, nL)}: dL/dw = a · f'(z) · Σ over ` +
    `<b>${r.nPaths}</b> path${r.nPaths === 1 ? "" : "s"} of ∏ w · f'(z) · dL/do = <b id="example-sum">${fmt(r.sum)}</b>; ` +
    `the engine's w.grad = <b id="example-engine">${fmt(r.engine)}</b> ` +
    `<span class="${same ? "ok" : "bad"}">${same ? "equal" : "DIFFERENT"}</span>` +
    (r.nPaths > r.paths.length ? ` (the ${r.paths.length} largest paths listed)` : "") +
    `. Click a link to choose another weight, a row to follow its path.`;
  const body = $("paths").querySelector("tbody");
  body.innerHTML = "";
  r.paths.forEach((p, k) => {
    const tr = document.createElement("tr");
    const route = [srcLabel, ...p.nodes.map((n, s) => nodeName(r.layer + s, n, nL))].join(" → ");
    const factors = p.factors.map(([name, v]) => `${name} ${fmt(v)}`).join(" × ");
    tr.innerHTML = `<td>${k + 1}</td><td>${route}</td><td>${factors}</td><td>${fmt(p.product)}</td>`;
    tr.classList.toggle("chosen", k === state.example.path);
    tr.addEventListener("click", () => { state.example.path = k; renderExample(); markPath(); });
    body.appendChild(tr);
  });
}

function markPath() {
  for (const p of state.links || []) p.classList.remove("chosen");
  for (const el of state.nodeEls) el.classList.remove("onpath");
  const r = state.exampleResult;
  if (state.page.oneExample !== "true" || !r || !r.paths.length) return;
  const path = r.paths[state.example.path] || r.paths[0];
  const hops = [[r.layer, path.nodes[0], r.from]];
  for (let s = 1; s < path.nodes.length; s++) hops.push([r.layer + s, path.nodes[s], path.nodes[s - 1]]);
  for (const [l, j, i] of hops) {
    const link = state.links.find((p) => +p.dataset.layer === l && +p.dataset.to === j && +p.dataset.from === i);
    if (link) link.classList.add("chosen");
    const col = state.cols[l + 1];
    if (col && col[j]) col[j].classList.add("onpath");
  }
}

// ---- controls ------------------------------------------------------------------------------------
function wire() {
  const ds = $("datasets");
  for (const [name, label] of DATASETS) {
    const b = document.createElement("button");
    b.textContent = label; b.dataset.name = name;
    b.addEventListener("click", () => sendConfig({dataset: name}));
    ds.appendChild(b);
  }
  for (const key of ["learningRate", "regularizationRate", "activation", "regularization", "optimizer", "init",
                     "percTrainData", "noise", "batchSize"]) {
    $(key).addEventListener("change", () => sendConfig({[key]: $(key).value}));
  }
  for (const key of ["scale", "showTestData"]) {
    $(key).addEventListener("change", () => sendConfig({[key]: $(key).checked ? "true" : "false"}));
  }
  $("showTestData").addEventListener("change", drawHeatmap);
  $("play").addEventListener("click", () => post("action", {action: state.frame && state.frame.playing ? "pause" : "play"}));
  $("step").addEventListener("click", () => post("action", {action: "step"}));
  $("reset").addEventListener("click", () => post("action", {action: "reset"}));
  $("regenerate").addEventListener("click", async () => {
    const out = await post("action", {action: "regenerate", seed: Math.random().toFixed(5)});
    if (out) applyConfig(out.config);
  });
  $("add-layer").addEventListener("click", () => {
    const s = shape(); if (s.length < 6) s.push(2); else showMessage(["at most 6 hidden layers"]);
    sendConfig({networkShape: s.join(",")});
  });
  $("remove-layer").addEventListener("click", () => { const s = shape(); s.pop(); sendConfig({networkShape: s.join(",")}); });
  for (const r of document.querySelectorAll("input[name=view]")) {
    r.addEventListener("change", () => { state.page.view = r.value; writeHash(); drawLinks(); });
  }
  $("oneExample").addEventListener("change", () => {
    state.page.oneExample = $("oneExample").checked ? "true" : "false";
    $("example-panel").hidden = !$("oneExample").checked;
    writeHash(); drawHeatmap(); drawLinks();
    if ($("oneExample").checked) runExample();
  });
  $("heatmap").addEventListener("click", (ev) => {
    if (state.page.oneExample !== "true") return;
    const c = $("heatmap"), rect = c.getBoundingClientRect();
    state.example.x = ((ev.clientX - rect.left) / rect.width) * 2 * DOMAIN - DOMAIN;
    state.example.y = DOMAIN - ((ev.clientY - rect.top) / rect.height) * 2 * DOMAIN;
    runExample();
  });
  window.addEventListener("pagehide", () => navigator.sendBeacon(api("close"), "{}"));
}

async function start() {
  wire();
  const params = Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
  for (const k of PAGE_KEYS) if (params[k] !== undefined) state.page[k] = params[k];
  if (!params.seed) params.seed = Math.random().toFixed(5);
  const out = await sendConfig(params);
  if (!out) return;
  if (state.page.view === "gradients") $("view-gradients").checked = true;
  $("oneExample").checked = state.page.oneExample === "true";
  $("example-panel").hidden = !$("oneExample").checked;
  const events = new EventSource(api("stream"));
  events.addEventListener("frame", (ev) => onFrame(JSON.parse(ev.data)));
  events.addEventListener("problem", (ev) => showMessage([JSON.parse(ev.data).error]));
  events.addEventListener("error", () => {
    if (events.readyState === EventSource.CLOSED) showMessage(["the session ended (closed or expired): reload the page"]);
  });
  if (state.page.autoplay === "true") await post("action", {action: "play"});
}

start();
