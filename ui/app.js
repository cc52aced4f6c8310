// facemood window: polls the Python services (window.pywebview.api) and draws what they say.
// All the work happens in Python; this page only shows state and forwards clicks.
"use strict";

const $ = (id) => document.getElementById(id);

// Script errors are kept (the tests read them) as well as logged.
window.facemoodErrors = [];
window.addEventListener("error", (e) => window.facemoodErrors.push(String(e.message)));
window.addEventListener("unhandledrejection", (e) => window.facemoodErrors.push(String(e.reason)));
document.addEventListener("securitypolicyviolation",
  (e) => window.facemoodErrors.push(`blocked by the page's policy: ${e.violatedDirective} ${e.blockedURI}`));
const PALETTE = ["#7c9cff", "#5de0a5", "#ffb454", "#ff6b9a", "#b38cff", "#4fd1e8", "#f5e663", "#ff8a5c"];

let api = null;
let overview = null;
let overviewVersion = -1;
let lastState = null;
// "Hold to record": "idle", "starting" (record_start not answered yet), "recording", "stopping".
let holdPhase = "idle";
let releasedWhileStarting = false;

const colorOf = (emotion) => {
  const names = overview ? overview.model.emotions : [];
  const i = names.indexOf(emotion);
  return PALETTE[(i >= 0 ? i : hash(emotion)) % PALETTE.length];
};
const hash = (s) => [...s].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
const pct = (p) => `${Math.round(p * 100)}%`;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "style") Object.assign(node.style, v); // an object: style attributes break the page's CSP
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

// The banner shows the app's standing error (camera, model) or, for a few seconds, the answer to a click.
// `done` marks an answer that is good news (an export written), shown in green rather than as a problem.
let notice = { text: "", until: 0, done: false };

function showBanner(text, retry = false, done = false) {
  $("banner").hidden = !text;
  $("banner").classList.toggle("done", done);
  setText($("banner-text"), text || "");
  $("retry").hidden = !retry;
}

function showNotice(text, done = false) {
  notice = { text, until: Date.now() + 6000, done };
  showBanner(text, false, done);
}

async function call(name, ...args) {
  const result = await api[name](...args);
  if (result && result.error) {
    showNotice(result.error);
    return null;
  }
  return result;
}

// --- live state (every mood) ---------------------------------------------------------------------

// A new state comes up to 15 times a second: write only what changed, since Chromium lays out and
// repaints whatever is written, even the same text.
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function renderState(s) {
  lastState = s;
  const mood = $("mood");
  setText(mood, s.mood || "—");
  mood.className = "mood" + (s.mood === "unsure" ? " unsure" : s.mood === "no face" ? " none" : "");
  mood.style.color = s.mood !== "unsure" && s.mood !== "no face" ? colorOf(s.mood) : "";
  setText($("confidence"), s.face ? pct(s.confidence) : "");
  setText($("fps"), s.fps ? `${Math.round(s.fps)} frames/s` : "");
  $("fps").title = s.fps ? `landmarks ${s.landmark_ms.toFixed(0)} ms a frame; ${s.dropped} camera frames skipped` : "";

  const bars = $("bars");
  if (bars.childElementCount !== s.bars.length) {
    bars.replaceChildren(...s.bars.map((b) => el("div", { class: "bar", "data-emotion": b.emotion },
      el("span", { class: "name" }, b.emotion),
      el("div", { class: "track" }, el("div", { class: "fill" })),
      el("span", { class: "pct" }))));
  }
  s.bars.forEach((b, i) => {
    const row = bars.children[i];
    setText(row.querySelector(".name"), b.emotion);
    const fill = row.querySelector(".fill");
    fill.style.width = pct(b.p);
    fill.style.background = colorOf(b.emotion);
    setText(row.querySelector(".pct"), pct(b.p));
  });

  let status = "";
  if (s.source_failed) status = "No picture";
  else if (!s.frame) status = "Starting the camera…";
  else if (!s.face) status = "No face in view — face the camera in good light";
  setText($("video-status"), status);

  if (s.error) showBanner(s.error, s.source_failed);
  else if (Date.now() < notice.until) showBanner(notice.text, false, notice.done);
  else showBanner("");

  const rec = s.recording;
  $("rec-badge").hidden = !rec;
  if (rec) setText($("rec-count"), rec.target ? `${rec.count}/${rec.target}` : `${rec.count}`);
  $("hold").classList.toggle("active", !!rec && holdPhase === "recording");
  $("record-n").disabled = !!rec;
  if (s.last_take && !rec) setText($("take-message"), s.last_take.message);
  else if (rec) setText($("take-message"), `Recording “${rec.emotion}”: ${rec.count} rows`);

  renderTraining(s.training);
  Music.onState(s);
  if (s.version !== overviewVersion) refreshOverview();
}

function renderTraining(t) {
  $("train").disabled = t.running;
  $("train-progress").style.width = pct(t.running ? t.fraction : (t.report || t.error ? 1 : 0));
  setText($("train-stage"), t.running ? (t.stage.startsWith("training on") ? "starting…" : t.stage) : "");
  renderTrainReport(t, overview);
}

// --- overview (when something changed) -----------------------------------------------------------

async function refreshOverview() {
  const o = await call("overview");
  if (!o) return;
  overview = o;
  overviewVersion = o.version;
  $("source").textContent = o.source;

  $("profile").replaceChildren(...o.profiles.map((p) => el("option", { value: p }, p)));
  $("profile").value = o.profile;

  const chip = $("model-chip");
  if (o.model.default) {
    chip.textContent = "Built-in default moods";
    chip.className = "chip default";
    $("model-note").textContent = "Not trained yet: these five moods are a rule of thumb read from your face. Record your own emotions and press Train.";
  } else {
    chip.textContent = `Your model · ${o.model.emotions.length} emotions` + (o.model.accuracy != null ? ` · ${pct(o.model.accuracy)} held-out` : "");
    chip.className = "chip trained";
    $("model-note").textContent = "";
  }

  $("emotion-list").replaceChildren(...o.emotions.map((e) => el("option", { value: e.name })));
  renderEmotions(o.emotions);
  renderProfileAdvice(o.advice);
  if (lastState) renderTrainReport(lastState.training, o);

  const s = o.settings;
  if (document.activeElement !== $("singer")) $("singer").value = s.singer;
  if (document.activeElement !== $("language")) $("language").value = s.language;
  $("overlay").checked = s.overlay;
  $("providers").replaceChildren(...o.providers.map((p) => el("button", {
    class: p.id === s.provider ? "selected" : "", role: "radio", "aria-checked": String(p.id === s.provider),
    "data-provider": p.id, onclick: () => selectProvider(p.id),
  }, p.name)));

  const picked = $("mood-pick").value;
  $("mood-pick").replaceChildren(el("option", { value: "" }, "as detected"),
    ...o.model.emotions.map((e) => el("option", { value: e }, e)));
  $("mood-pick").value = o.model.emotions.includes(picked) ? picked : "";

  Music.onOverview(o);
  drawHistory(o.history);
}

function renderEmotions(emotions) {
  const table = $("emotions");
  if (!emotions.length) {
    table.replaceChildren(el("tr", {}, el("td", { class: "muted" },
      "No recordings yet. Type an emotion name, then hold the button while you show it.")));
    return;
  }
  table.replaceChildren(...emotions.flatMap((e) => [el("tr", { "data-emotion": e.name },
    el("td", {}, el("strong", {}, e.name)),
    el("td", {}, ...e.takes.map((t) => el("span", { class: "take", title: takeTitle(t) },
      `take ${t.index + 1}: ${t.count}`,
      el("button", { class: "danger", title: "Delete this take", onclick: () => deleteTake(e.name, t.index, t.count) }, "×")))),
    el("td", { class: "rows" }, `${e.rows} rows`),
    coachCell(e)),
    ...(e.advice.length ? [el("tr", { class: "advice-row" }, el("td", { colspan: 4 }, adviceList(e.advice)))] : [])]));
}

function drawHistory(history) {
  const canvas = $("chart");
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 560;
  const height = canvas.clientHeight || 150;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  const ctx = canvas.getContext("2d");
  ctx.scale(ratio, ratio);
  ctx.clearRect(0, 0, width, height);
  const days = history.days || [];
  const moods = [...new Set(days.flatMap((d) => Object.keys(d.moods)))];
  const totals = days.map((d) => Object.values(d.moods).reduce((a, b) => a + b, 0));
  const max = Math.max(60, ...totals);
  const slot = width / Math.max(1, days.length);
  ctx.font = "11px sans-serif";
  days.forEach((d, i) => {
    let y = height - 18;
    for (const m of moods) {
      const h = ((d.moods[m] || 0) / max) * (height - 30);
      ctx.fillStyle = colorOf(m);
      ctx.fillRect(i * slot + slot * 0.2, y - h, slot * 0.6, h);
      y -= h;
    }
    ctx.fillStyle = "#98a0ae";
    ctx.textAlign = "center";
    const label = new Date(d.day + "T12:00").toLocaleDateString(undefined, { weekday: "short" });
    ctx.fillText(label, i * slot + slot / 2, height - 4);
    const total = totals[i] >= 60 ? `${Math.round(totals[i] / 60)} min` : `${Math.round(totals[i])} s`;
    if (totals[i]) ctx.fillText(total, i * slot + slot / 2, height - 22 - (totals[i] / max) * (height - 30));
  });
  $("legend").replaceChildren(...moods.map((m) => el("span", {}, el("i", { style: { background: colorOf(m) } }), m)));
  if (!moods.length) $("legend").textContent = "Your moods will show here as you use facemood.";
  $("songs").replaceChildren(...(history.songs || []).map((s) => el("li", {}, `${s.at.slice(0, 16).replace("T", " ")} · ${s.mood} · “${s.query}” on ${s.provider}`)));
}

// --- the recording coach (Python's coach module decides; this only shows) --------------------------

function takeTitle(t) {
  const when = t.recorded ? `recorded ${t.recorded}` : "earlier rows";
  return t.frames ? `${when}; ${t.frames_without_face} of ${t.frames} frames had no face` : when;
}

// Beside an emotion: its held-out accuracy in the last training and what it is most often read as.
function coachCell(e) {
  const cell = el("td", { class: "coach" });
  if (e.accuracy == null) {
    if (overview && !overview.model.default) cell.append(el("span", { class: "muted" }, "not trained yet"));
    return cell;
  }
  cell.append(el("div", { class: "accuracy", title: "Held-out accuracy in the last training: its last 20% of rows, which played no part in training" },
    `${pct(e.accuracy)} held-out`));
  if (e.mistaken_for) {
    const { emotion, share, look_alike } = e.mistaken_for;
    cell.append(el("div", { class: "mistaken" + (look_alike ? " warn" : "") }, `read as ${emotion} ${pct(share)}`));
  }
  if (e.changed_since_training) cell.title = "From the training before your latest takes: train again to update";
  cell.classList.toggle("stale", e.changed_since_training);
  return cell;
}

function adviceList(items) {
  return el("ul", { class: "advice" }, ...items.map((a) => el("li", { "data-kind": a.kind },
    el("span", { class: "finding" }, a.finding), " ", el("span", { class: "step" }, a.step))));
}

function renderProfileAdvice(items) {
  const box = $("coach");
  box.hidden = !items.length;
  box.replaceChildren(...(items.length ? [adviceList(items)] : []));
}

// Under Train: how the last training went (or is failing), from the training's status and the model in use.
let shownTrainReport = "";

function renderTrainReport(t, o) {
  const m = o && !o.model.default ? o.model : null;
  const key = JSON.stringify([t.error, t.running, t.report && t.report.trained_at, m]);
  if (key === shownTrainReport) return;
  shownTrainReport = key;
  const lines = [];
  if (t.error) lines.push(el("div", { class: "err" }, `Training failed: ${t.error}`));
  // This training's own line once the model in use is the one it saved (not another profile's).
  if (t.report && !t.running && m && t.report.trained_at === m.trained_at) {
    lines.push(el("div", { class: "ok" }, `Trained in ${t.report.seconds.toFixed(1)} s. The live view now uses your model.`));
  }
  if (m && m.accuracy != null) {
    lines.push(el("div", {}, `Your model: held-out accuracy ${pct(m.accuracy)} on each emotion's last 20% ` +
      `(${m.holdout_rows} rows), which played no part in training or in choosing the model.`));
    const when = m.trained_at ? ` · trained ${m.trained_at.slice(0, 16).replace("T", " ")}` : "";
    if (m.chosen) lines.push(el("div", { class: "muted" }, `Model: ${m.chosen}, chosen among ${m.candidates} candidates on the last 20% of the rows it was trained on${when}.`));
  }
  $("train-report").replaceChildren(...lines);
}

// --- actions -------------------------------------------------------------------------------------

async function selectProvider(provider) {
  await call("set_provider", provider);
}

async function startRecording(frames) {
  const emotion = $("emotion").value.trim();
  if (!emotion) {
    showNotice("Type the emotion's name first (e.g. happy), then record.");
    $("emotion").focus();
    return false;
  }
  return (await call("record_start", emotion, frames)) !== null;
}

// A quick tap releases the button before record_start has answered: remember the release and stop the
// take as soon as it has started, or it would run on with nothing left to stop it.
async function pressHold(button, e) {
  if (holdPhase !== "idle") return;
  button.setPointerCapture(e.pointerId);
  holdPhase = "starting";
  releasedWhileStarting = false;
  let started = false;
  try {
    started = await startRecording(null);
  } finally {
    holdPhase = started ? "recording" : "idle";
  }
  if (releasedWhileStarting) await releaseHold();
}

async function releaseHold() {
  if (holdPhase === "starting") releasedWhileStarting = true;
  if (holdPhase !== "recording") return;
  holdPhase = "stopping";
  try {
    await call("record_stop");
  } finally {
    holdPhase = "idle";
  }
}

async function deleteTake(emotion, index, count) {
  if (!confirm(`Delete take ${index + 1} of “${emotion}” (${count} rows)?`)) return;
  await call("delete_take", emotion, index);
}

// --- carry a profile: Export and Import -----------------------------------------------------------

// Without `path` (a click), Python asks for the file in a native dialog; tests give one.
async function exportProfile(path) {
  await whileDisabled($("export-profile"), async () => {
    const result = await call("export_profile", path || null);
    if (result && result.message) showNotice(result.message, true);
  });
}

// A profile of the same name here is replaced only once the user confirms it.
async function importProfile(path) {
  await whileDisabled($("import-profile"), async () => {
    let result = await call("import_profile", path || null, false);
    if (result && result.confirm_replace) {
      result = confirm(result.message) ? await call("import_profile", result.path, true) : null;
    }
    if (result && result.message) showNotice(result.message, true);
  });
}

async function whileDisabled(button, action) {
  button.disabled = true;
  try {
    await action();
  } finally {
    button.disabled = false;
  }
}

function wire() {
  $("profile").addEventListener("change", (e) => call("select_profile", e.target.value));
  $("export-profile").addEventListener("click", () => exportProfile());
  $("import-profile").addEventListener("click", () => importProfile());
  $("new-profile").addEventListener("click", async () => {
    const name = prompt("Name of the new profile (e.g. the person's first name):");
    if (name) await call("create_profile", name);
  });
  $("overlay").addEventListener("change", (e) => call("set_overlay", e.target.checked));
  $("retry").addEventListener("click", () => call("retry"));

  const hold = $("hold");
  hold.addEventListener("pointerdown", (e) => pressHold(hold, e));
  hold.addEventListener("pointerup", releaseHold);
  hold.addEventListener("pointercancel", releaseHold);
  $("record-n").addEventListener("click", (e) => {
    if (e.target.id === "frames") return;
    startRecording(Math.max(1, parseInt($("frames").value, 10) || 200));
  });
  $("train").addEventListener("click", () => call("train"));
  Music.init();
  window.addEventListener("resize", () => overview && drawHistory(overview.history));
}

// Each state() answers as soon as Python has a mood newer than the last one shown (or after half a
// second), so asking again at once shows every mood as it comes. Nobody sees a hidden page: it stops
// asking and closes the live view, and Python, told, slows down (visibilitychange).
let polling = false;

async function poll() {
  polling = !document.hidden;
  if (!polling) return;
  try {
    renderState(await api.state(lastState ? lastState.moods : null));
  } catch (err) {
    console.error(err);
    await new Promise((done) => setTimeout(done, 500));
  }
  setTimeout(poll, 0);
}

function visibilityChanged() {
  call("page_visibility", document.visibilityState);
  if (document.hidden) LiveView.stop();
  else LiveView.start();
  if (!polling) poll();
}

window.addEventListener("pywebviewready", () => {
  api = window.pywebview.api;
  wire();
  refreshOverview();
  document.addEventListener("visibilitychange", visibilityChanged);
  visibilityChanged();
});
