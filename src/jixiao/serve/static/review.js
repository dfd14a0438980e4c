// The review page: a job list with drag-and-drop upload, and a document view where every
// extracted value sits next to its box on the page. Plain JS, no build step, no CDN.
"use strict";
const $ = (s) => document.querySelector(s);
const TOKEN_KEY = "jixiao-token";
const STATUS_ZH = { queued: "排队中", running: "处理中", done: "完成", failed: "失败" };
const FORM_FIELDS = [
  ["title", "表名"], ["year", "年度"], ["unit_name", "单位名称"], ["competent_dept", "主管部门"],
  ["project_name", "项目名称"], ["budget.total", "资金总额(万元)"], ["budget.fiscal", "财政拨款(万元)"],
  ["goals.long_term", "中长期目标"], ["goals.annual", "年度目标"],
];
const IND_FIELDS = [
  ["level1", "一级指标"], ["level2", "二级指标"], ["level3", "三级指标"], ["description", "指标内容"],
  ["half_year", "半年指标值"], ["target", "全年指标值"], ["unit", "计量单位"], ["basis", "指标值确定依据"],
];
const ALWAYS = new Set(["level1", "level2", "level3", "target"]);
const NUMERIC = new Set(["year", "budget.total", "budget.fiscal", "amount", "weight"]);
const LOW = 0.8, MID = 0.95;

function authHeaders() {
  const t = localStorage.getItem(TOKEN_KEY);
  return t ? { Authorization: "Bearer " + t } : {};
}
async function api(path, opts = {}) {
  opts.headers = Object.assign({}, opts.headers || {}, authHeaders());
  const r = await fetch(path, opts);
  if (r.status === 401) { $("#token-box").hidden = false; throw new Error("需要访问令牌：请在右上角输入后重试"); }
  if (!r.ok) {
    let msg = r.statusText;
    try { msg = (await r.json()).detail || msg; } catch (e) { /* not JSON */ }
    throw new Error(msg);
  }
  return r;
}
function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(k);
  return e;
}
function fmtTime(t) { return t ? new Date(t * 1000).toLocaleString("zh-CN", { hour12: false }) : ""; }

// ---------------------------------------------------------------- list view
let listTimer = null;
async function loadJobs() {
  const st = $("#filter-status").value;
  try {
    const r = await api("/v1/documents" + (st ? "?status=" + st : ""));
    const { documents } = await r.json();
    const tb = $("#jobs tbody");
    tb.replaceChildren(...documents.map((d) => el("tr", { "data-id": d.id },
      el("td", {}, d.status === "done" ? el("a", { href: "/review/" + d.id }, d.name) : d.name),
      el("td", { class: "st-" + d.status }, STATUS_ZH[d.status] || d.status),
      el("td", {}, el("progress", { max: "1", value: String(d.progress) }), progressText(d)),
      el("td", {}, fmtTime(d.created)),
      el("td", {}, d.error || ""))));
  } catch (e) { $("#upload-msg").textContent = e.message; }
}
const STAGE_ZH = { read: "读取", ocr: "OCR 识别", extract: "抽取", llm: "大模型", reconcile: "校验" };
function progressText(d) {
  if (d.status !== "running" || !d.stage) return null;
  const pages = d.pages_total ? ` ${d.pages_done}/${d.pages_total} 页` : "";
  return el("span", { class: "stage" }, ` ${STAGE_ZH[d.stage] || d.stage}${pages}`);
}
function upload(files) {
  if (!files.length) return;
  const fd = new FormData();
  for (const f of files) fd.append("file", f, f.name);
  fd.append("ocr", $("#opt-ocr").value);
  fd.append("llm", $("#opt-llm").value);
  const xhr = new XMLHttpRequest();
  const bar = $("#upload-progress");
  bar.hidden = false; bar.value = 0;
  xhr.upload.onprogress = (ev) => { if (ev.lengthComputable) bar.value = (100 * ev.loaded) / ev.total; };
  xhr.onload = () => {
    bar.hidden = true;
    let body = {};
    try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
    if (xhr.status === 401) $("#token-box").hidden = false;
    $("#upload-msg").textContent = xhr.status < 300 ? `已上传 ${body.documents.length} 个文件，正在排队处理。`
      : `上传失败（${xhr.status}）：${body.detail || xhr.statusText}`;
    loadJobs();
  };
  xhr.onerror = () => { bar.hidden = true; $("#upload-msg").textContent = "上传失败：网络错误"; };
  xhr.open("POST", "/v1/documents");
  for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
  xhr.send(fd);
}
function initList() {
  $("#list-view").hidden = false;
  const drop = $("#drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); upload([...e.dataTransfer.files]); });
  $("#file-input").addEventListener("change", (e) => upload([...e.target.files]));
  $("#filter-status").addEventListener("change", loadJobs);
  loadJobs();
  listTimer = setInterval(loadJobs, 2000);
}

// ---------------------------------------------------------------- review view
const S = { id: null, job: null, doc: null, items: [], byPath: new Map(), order: [], cursor: -1, sel: null,
  dirty: new Map(), pageSize: new Map(), pagesShown: false };

function confClass(c) { return c === undefined || c === null ? "" : c < LOW ? "lo" : c < MID ? "mid" : "hi"; }
function fieldPath(fi, key) { return `forms/${fi}/` + key.replace(".", "/"); }
function getField(obj, key) { return key.split(".").reduce((o, k) => (o == null ? null : o[k]), obj); }

function collectItems(doc) {
  const items = [];
  doc.forms.forEach((f, fi) => {
    for (const [key, label] of FORM_FIELDS) {
      items.push({ path: fieldPath(fi, key), key, label, value: getField(f, key), ev: f.evidence[key],
        conf: f.confidence[key], flags: f.flags.filter((x) => x.field === key), where: `表${fi + 1}` });
    }
    const cols = IND_FIELDS.filter(([k]) => ALWAYS.has(k) || f.indicators.some((i) => i[k]));
    f.indicators.forEach((ind, ii) => {
      for (const [key, label] of cols) {
        const flags = ind.flags.filter((x) => x.field === key || (!x.field && key === "level3"));
        items.push({ path: `forms/${fi}/indicators/${ii}/${key}`, key, label, value: ind[key], ev: ind.evidence[key],
          conf: ind.confidence[key], flags, where: `表${fi + 1} 指标${ii + 1}`, fi, ii });
      }
    });
    f.budget.lines.forEach((ln, li) => {
      items.push({ path: `forms/${fi}/budget/lines/${li}/amount`, key: "amount", label: `${ln.item || ""} ${ln.column || ""}`,
        value: ln.amount, ev: ln.evidence.amount, conf: ln.confidence.amount, flags: ln.flags, where: `表${fi + 1} 资金`, fi, li });
    });
  });
  return items;
}
function severityRank(it) {
  if (it.flags.some((x) => x.severity === "error")) return 0;
  if (it.flags.some((x) => x.severity === "warning")) return 1;
  if (it.conf !== undefined && it.conf < LOW) return 2 + it.conf;
  return 9;
}
function doubtOrder(items) {
  // flagged and low-confidence values first (worst first), then the rest in reading order
  const idx = items.map((it, i) => [severityRank(it), i]);
  idx.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return idx.map(([, i]) => items[i]);
}

function inputFor(it, big) {
  const cls = ["val", confClass(it.conf) === "lo" ? "conf-lo" : confClass(it.conf) === "mid" ? "conf-mid" : "",
    it.flags.some((x) => x.severity !== "info") ? "flagged" : "", S.fixed.has(it.path) ? "fixed" : ""].join(" ");
  const v = it.value === null || it.value === undefined ? "" : String(it.value);
  const inp = big ? el("textarea", { class: cls, rows: "2" }) : el("input", { class: cls, type: "text" });
  inp.value = v;
  inp.dataset.path = it.path;
  inp.title = `${it.where} · ${it.label}` + (it.conf !== undefined ? ` · 置信度 ${it.conf}` : "");
  inp.addEventListener("focus", () => select(it, false));
  inp.addEventListener("input", () => { S.dirty.set(it.path, inp.value); inp.classList.add("dirty"); $("#btn-save").disabled = false; });
  it.input = inp;
  return inp;
}
function renderForm() {
  const root = $("#form");
  root.replaceChildren();
  S.doc.forms.forEach((f, fi) => {
    const its = S.items.filter((it) => it.path.startsWith(`forms/${fi}/`));
    const formItems = its.filter((it) => !it.path.includes("/indicators/") && !it.path.includes("/lines/"));
    root.append(el("h3", {}, `表 ${fi + 1}：${f.project_name || f.unit_name || f.title || ""}（第 ${f.pages.join("、")} 页）`));
    const kv = el("div", { class: "kv" });
    for (const it of formItems) kv.append(el("label", {}, it.label), inputFor(it, it.key.startsWith("goals.")));
    root.append(kv);
    const lines = its.filter((it) => it.path.includes("/lines/"));
    if (lines.length) {
      root.append(el("h3", {}, "资金（万元）"));
      const t = el("div", { class: "kv" });
      for (const it of lines) t.append(el("label", {}, it.label), inputFor(it, false));
      root.append(t);
    }
    root.append(el("h3", {}, `绩效指标（${f.indicators.length} 条）`));
    const cols = IND_FIELDS.filter(([k]) => ALWAYS.has(k) || f.indicators.some((i) => i[k]));
    const table = el("table", { class: "ind" }, el("thead", {}, el("tr", {}, el("th", {}, "#"),
      ...cols.map(([k, l]) => el("th", { class: "k-" + k }, l)), el("th", {}, ""))));
    const tb = el("tbody");
    f.indicators.forEach((ind, ii) => {
      const tr = el("tr", { "data-row": String(ii) }, el("td", {}, String(ii + 1)));
      for (const [k] of cols) tr.append(el("td", { class: "k-" + k }, inputFor(S.byPath.get(`forms/${fi}/indicators/${ii}/${k}`), false)));
      tr.append(el("td", { class: "del" }, el("button", { title: "删除此指标", onclick: () => deleteIndicator(fi, ii) }, "×")));
      tb.append(tr);
    });
    table.append(tb);
    root.append(table, el("button", { class: "add-ind", "data-form": String(fi), onclick: () => addIndicator(fi) }, "＋ 添加指标"));
  });
  const docFlags = S.doc.flags.filter((x) => x.severity !== "info");
  if (docFlags.length) root.append(el("h3", {}, "文档疑点"), el("ul", {}, ...docFlags.map((x) => el("li", { class: "flagmsg" }, x.message))));
}

async function renderPages() {
  const pane = $("#pages");
  if (S.job.kind !== "pdf") {
    pane.replaceChildren(el("div", { class: "no-image" },
      el("p", {}, el("b", {}, `此文件是 ${S.job.kind.toUpperCase()}，没有页面图像。`)),
      el("p", {}, "点击右侧的值，这里显示它的原文和所在位置。"),
      el("pre", { id: "source-snippet" }, "")));
    return;
  }
  const n = (S.doc.source && S.doc.source.pages) || 1;
  pane.replaceChildren();
  for (let p = 1; p <= n; p++) {
    const div = el("div", { class: "page", "data-page": String(p) }, el("span", { class: "pno" }, `第 ${p} 页`));
    pane.append(div);
    const r = await api(`/v1/documents/${S.id}/pages/${p}.png`);
    const size = (r.headers.get("X-Jixiao-Page-Size") || "595x842").split("x").map(Number);
    S.pageSize.set(p, size);
    const img = el("img", { alt: `第 ${p} 页`, src: URL.createObjectURL(await r.blob()) });
    div.prepend(img);
  }
  S.pagesShown = true;
}
function drawBoxes() {
  document.querySelectorAll(".box").forEach((b) => b.remove());
  for (const it of S.items) {
    it.box = null;
    const ev = it.ev;
    if (!ev || !ev.page || !ev.bbox || !S.pageSize.has(ev.page)) continue;
    const [w, h] = S.pageSize.get(ev.page);
    const [x0, y0, x1, y1] = ev.bbox;
    const flagged = it.flags.some((x) => x.severity !== "info");
    const box = el("div", { class: `box ${confClass(it.conf) || "hi"}${flagged ? " flagged" : ""}`, "data-path": it.path,
      title: `${it.where} · ${it.label}：${it.value ?? ""}`,
      style: `left:${(100 * x0) / w}%;top:${(100 * y0) / h}%;width:${(100 * (x1 - x0)) / w}%;height:${(100 * (y1 - y0)) / h}%` });
    box.addEventListener("click", () => select(it, true));
    document.querySelector(`.page[data-page="${ev.page}"]`).append(box);
    it.box = box;
  }
}
function select(it, focusInput) {
  if (S.sel) { S.sel.input && S.sel.input.classList.remove("sel"); S.sel.box && S.sel.box.classList.remove("sel"); }
  S.sel = it;  // the doubt walk keeps its own cursor: a click elsewhere does not move it
  if (it.input) { it.input.classList.add("sel"); if (focusInput) it.input.focus({ preventScroll: true }); it.input.scrollIntoView({ block: "center" }); }
  if (it.box) { it.box.classList.add("sel"); it.box.scrollIntoView({ block: "center", behavior: "smooth" }); }
  const ev = it.ev || {};
  const where = ev.page ? `第 ${ev.page} 页` : ev.line ? `第 ${ev.line} 行` : "无定位";
  const flags = it.flags.map((x) => `【${x.severity === "error" ? "错误" : x.severity === "warning" ? "警告" : "提示"}】${x.message}`).join(" ");
  const snip = document.getElementById("source-snippet");
  if (snip) snip.textContent = `${it.where} · ${it.label}\n` +
    (ev.line ? `第 ${ev.line} 行` : ev.cell ? `单元格 ${ev.cell}` : ev.page ? `第 ${ev.page} 页` : "无定位") +
    `\n原文：${ev.source_text ?? "（无原文）"}`;
  $("#source-text").textContent = `${it.where} · ${it.label} · ${where} · 原文「${ev.source_text ?? "—"}」` +
    (it.conf !== undefined ? ` · 置信度 ${it.conf}` : "") + (ev.extractor ? ` · ${ev.extractor}` : "") + (flags ? " " + flags : "");
}
function step(d) {
  if (!S.order.length) return;
  S.cursor = (S.cursor + d + S.order.length) % S.order.length;
  select(S.order[S.cursor], false);  // highlight only: Enter or e starts editing it
}
function coerce(path, v) {
  const key = path.split("/").pop();
  const t = v.trim();
  if (t === "") return null;
  if (NUMERIC.has(key) || path.endsWith("budget/total") || path.endsWith("budget/fiscal")) {
    const n = Number(t.replace(/,/g, ""));
    return Number.isFinite(n) ? (key === "year" ? Math.round(n) : n) : t;
  }
  return t;
}
async function save() {
  if (!S.dirty.size) return;
  const corrections = [...S.dirty].map(([path, v]) => ({ op: "set", path, value: coerce(path, v) }));
  try {
    await api(`/v1/documents/${S.id}`, { method: "PATCH", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ corrections }) });
    $("#status-line").textContent = `已保存 ${corrections.length} 处修改。`;
    S.dirty.clear();
    $("#btn-save").disabled = true;
    await loadDoc();
  } catch (e) { $("#status-line").textContent = "保存失败：" + e.message; }
}
async function deleteIndicator(fi, ii) {
  if (!confirm(`删除表 ${fi + 1} 的第 ${ii + 1} 条指标？`)) return;
  try {
    await api(`/v1/documents/${S.id}`, { method: "PATCH", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ corrections: [{ op: "delete", path: `forms/${fi}/indicators/${ii}` }] }) });
    $("#status-line").textContent = "已删除。";
    await loadDoc();
  } catch (e) { $("#status-line").textContent = "删除失败：" + e.message; }
}
async function addIndicator(fi) {
  const level1 = prompt("一级指标（如 产出指标、效益指标、满意度指标）：", "产出指标");
  if (level1 === null || !level1.trim()) return;
  const level2 = prompt("二级指标（如 数量指标、质量指标、时效指标）：", "数量指标");
  if (level2 === null) return;
  const level3 = prompt("三级指标名称：", "");
  if (level3 === null || !level3.trim()) return;
  const target = prompt("全年指标值（如 ≥95%）：", "");
  if (target === null) return;
  const value = { level1: level1.trim(), level2: level2.trim() || null, level3: level3.trim(), target: target.trim() || null };
  try {
    await api(`/v1/documents/${S.id}`, { method: "PATCH", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ corrections: [{ op: "add", path: `forms/${fi}/indicators`, value }] }) });
    $("#status-line").textContent = "已添加指标。";
    await loadDoc();
  } catch (e) { $("#status-line").textContent = "添加失败：" + e.message; }
}
const SEV_ZH = { error: "错误", warning: "警告", info: "提示" };
async function runReview() {
  $("#review-summary").textContent = "审核中……";
  try {
    const r = await api(`/v1/documents/${S.id}/review`, { method: "POST" });
    const b = await r.json();
    const all = b.forms.flatMap((f) => f.findings.map((x) => Object.assign({ form: f.form }, x)));
    $("#review-summary").textContent = `${all.length} 条审核意见，其中 ${b.errors} 条错误。`;
    $("#findings").replaceChildren(...all.map((x) => {
      const ev = x.evidence || {};
      const li = el("li", { class: "finding sev-" + x.severity },
        `【${SEV_ZH[x.severity] || x.severity}】${x.rule} · 表 ${x.form + 1}` + (ev.row !== undefined && ev.row !== null ? ` · 第 ${ev.row + 1} 条指标` : "") +
        ` · ${x.message}`);
      const it = ev.row !== undefined && ev.row !== null ? S.byPath.get(`forms/${x.form}/indicators/${ev.row}/target`) : null;
      if (it) li.addEventListener("click", () => select(it, false));
      return li;
    }));
  } catch (e) { $("#review-summary").textContent = "审核失败：" + e.message; }
}
async function download(fmt) {
  try {
    const r = await api(`/v1/documents/${S.id}/export.${fmt}`);
    const a = el("a", { href: URL.createObjectURL(await r.blob()), download: `${S.doc.doc_id}.${fmt}` });
    document.body.append(a); a.click(); a.remove();
  } catch (e) { $("#status-line").textContent = "导出失败：" + e.message; }
}
async function acceptGolden() {
  try {
    const r = await api(`/v1/documents/${S.id}/golden`, { method: "POST" });
    const b = await r.json();
    $("#status-line").textContent = `已写入金标：${b.doc_id}（${b.files.join("、")}）`;
  } catch (e) { $("#status-line").textContent = "写入金标失败：" + e.message; }
}
async function loadDoc() {
  const r = await api(`/v1/documents/${S.id}`);
  S.job = await r.json();
  $("#doc-title").textContent = `${S.job.name} · ${STATUS_ZH[S.job.status] || S.job.status}`;
  if (S.job.status !== "done") {
    $("#status-line").textContent = S.job.status === "failed" ? "处理失败：" + S.job.error : "正在处理，请稍候……";
    if (S.job.status !== "failed") setTimeout(loadDoc, 1500);
    return;
  }
  S.doc = S.job.result;
  S.fixed = new Set(S.job.corrections.map((c) => c.path));
  S.items = collectItems(S.doc);
  S.byPath = new Map(S.items.map((it) => [it.path, it]));
  S.order = doubtOrder(S.items);
  const nDoubt = S.items.filter((it) => severityRank(it) < 9).length;
  renderForm();
  if (!S.pagesShown) await renderPages();
  drawBoxes();
  $("#corrections").replaceChildren(...S.job.corrections.map((c) => el("li", {},
    `${fmtTime(c.at)} ${c.who} ${c.op} ${c.path}：${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}`)));
  const n = S.doc.forms.reduce((a, f) => a + f.indicators.length, 0);
  if (!$("#status-line").textContent.startsWith("已")) $("#status-line").textContent =
    `${S.doc.forms.length} 张表，${n} 条指标，${nDoubt} 个疑点（按 n 逐个查看）。`;
  S.cursor = -1;
  S.sel = null;
  if ($("#findings").children.length) {  // the findings were for the version before this reload
    $("#findings").replaceChildren();
    $("#review-summary").textContent = "文档已更新，请重新运行审核。";
  }
}
function initReview(id) {
  S.id = id;
  $("#review-view").hidden = false;
  $("#btn-next").addEventListener("click", () => step(1));
  $("#btn-prev").addEventListener("click", () => step(-1));
  $("#btn-save").addEventListener("click", save);
  $("#btn-golden").addEventListener("click", acceptGolden);
  $("#btn-review").addEventListener("click", runReview);
  document.querySelectorAll(".exports a").forEach((a) => a.addEventListener("click", (e) => { e.preventDefault(); download(a.dataset.fmt); }));
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === "s") { e.preventDefault(); save(); return; }
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
    if (e.key === "Escape") { document.activeElement.blur(); return; }
    if (e.key === "Enter" && typing && document.activeElement.tagName === "INPUT" && S.dirty.size) { e.preventDefault(); save(); return; }
    if (typing) return;
    if (e.key === "n") { e.preventDefault(); step(1); } else if (e.key === "p") { e.preventDefault(); step(-1); }
    else if ((e.key === "Enter" || e.key === "e") && S.sel && S.sel.input) { e.preventDefault(); S.sel.input.focus(); }
  });
  loadDoc().catch((e) => { $("#status-line").textContent = e.message; });
}

// ---------------------------------------------------------------- start
(function start() {
  const tok = $("#token");
  tok.value = localStorage.getItem(TOKEN_KEY) || "";
  tok.addEventListener("change", () => { localStorage.setItem(TOKEN_KEY, tok.value.trim()); location.reload(); });
  const m = location.pathname.match(/^\/review\/([0-9a-f]+)$/);
  if (m) initReview(m[1]); else initList();
})();
