// The operator's page: reads the hook's ui/api/* answers and shows them.
// Read-only; every URL is relative, so the page works under any path prefix.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const views = ["jobs", "job", "services", "audit"];
  let session = null;
  let refresh = null;
  let events = null;
  // The steps a job was seen in while this page watched it.
  let steps = { job: "", seen: [] };

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function time(ms) { return ms ? new Date(ms).toLocaleString() : ""; }
  function duration(job) {
    if (!job.started_at) return "";
    const end = job.finished_at || Date.now();
    const s = Math.max(0, Math.round((end - job.started_at) / 1000));
    return s < 60 ? s + " s" : Math.floor(s / 60) + " min " + (s % 60) + " s";
  }
  function short(text, n) { return text && text.length > n ? text.slice(0, n) + "\u2026" : (text || ""); }
  function final(state) { return state === "succeeded" || state === "failed" || state === "rolled_back"; }

  async function get(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.status === 401) { showLogin(); throw new Error("not logged in"); }
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || ("HTTP " + response.status));
    return body;
  }

  function showLogin() {
    stopLive();
    $("nav").hidden = true;
    views.forEach((v) => { $("view-" + v).hidden = true; });
    $("login").hidden = false;
  }

  function stopLive() {
    if (refresh) { clearInterval(refresh); refresh = null; }
    if (events) { events.close(); events = null; }
  }

  function stateCell(state) { return el("td", state, "state state-" + state); }

  async function loadJobs() {
    const query = new URLSearchParams();
    const service = $("filter-service").value.trim();
    const state = $("filter-state").value;
    if (service) query.set("service", service);
    if (state) query.set("state", state);
    const qs = query.toString();
    const body = await get("api/jobs" + (qs ? "?" + qs : ""));
    const tbody = $("jobs-body");
    tbody.replaceChildren();
    for (const job of body.jobs) {
      const row = el("tr");
      row.dataset.jobId = job.job_id;
      row.dataset.state = job.state;
      row.dataset.service = job.service;
      row.appendChild(stateCell(job.state));
      const target = el("td");
      const link = el("a", job.container_name || (job.project + "/" + job.service));
      link.href = "#job/" + job.job_id;
      target.appendChild(link);
      target.appendChild(el("div", job.project + "/" + job.service, "note"));
      row.appendChild(target);
      row.appendChild(el("td", job.action));
      row.appendChild(el("td", job.key_id || ""));
      const image = el("td");
      if (job.image) image.appendChild(el("div", job.image, "mono"));
      if (job.digest) image.appendChild(el("div", short(job.digest, 19), "mono"));
      if (job.image_id) image.appendChild(el("div", short(job.image_id, 19), "mono note"));
      row.appendChild(image);
      row.appendChild(el("td", time(job.created_at)));
      row.appendChild(el("td", duration(job)));
      row.appendChild(el("td", short(job.request_id, 12), "mono"));
      if (job.error) row.title = job.error;
      tbody.appendChild(row);
    }
    $("jobs-empty").hidden = body.jobs.length !== 0;
  }

  // Pull progress from the log: the layers seen, and those done.
  function pullProgress(log) {
    const layers = new Map();
    for (const line of log) {
      const m = /^([0-9a-f]{12}): (.*)$/.exec(line);
      if (m) layers.set(m[1], m[2]);
    }
    let done = 0;
    for (const status of layers.values()) {
      if (/^(Pull complete|Already exists|Download complete)/.test(status)) done++;
    }
    return { total: layers.size, done: done };
  }

  function renderJob(job) {
    $("job-id").textContent = job.job_id;
    const facts = $("job-facts");
    facts.replaceChildren();
    const add = (name, value, cls) => {
      if (value === undefined || value === null || value === "") return;
      facts.appendChild(el("dt", name));
      facts.appendChild(el("dd", value, cls));
    };
    add("State", job.state, "state state-" + job.state);
    add("Step", job.step);
    if (steps.job !== job.job_id) steps = { job: job.job_id, seen: [] };
    if (job.step && steps.seen[steps.seen.length - 1] !== job.step) steps.seen.push(job.step);
    $("job-steps").hidden = steps.seen.length < 2;
    $("job-steps").textContent = "Steps seen: " + steps.seen.join(" \u2192 ");
    add("Target", (job.container_name || "") + " (" + job.project + "/" + job.service + ")");
    add("Action", job.action);
    add("Key", job.key_id);
    add("Request", job.request_id, "mono");
    add("Image", job.image, "mono");
    add("Digest", job.digest, "mono");
    add("Image id", job.image_id, "mono");
    add("Created", time(job.created_at));
    add("Started", time(job.started_at));
    add("Finished", time(job.finished_at));
    add("Duration", duration(job));
    $("job-error").hidden = !job.error;
    $("job-error").textContent = job.error ? "Why: " + job.error : "";
    $("job-log").textContent = (job.log || []).join("\n");
    const progress = pullProgress(job.log || []);
    const pulling = job.step === "pulling" && !final(job.state);
    $("job-progress").hidden = !pulling;
    if (pulling) {
      $("pull-progress").max = Math.max(progress.total, 1);
      $("pull-progress").value = progress.done;
      $("pull-progress-label").textContent = "Pulling: " + progress.done + " of " + progress.total + " layers";
    }
    document.body.dataset.jobState = job.state;
  }

  async function loadJob(id) {
    const job = await get("api/jobs/" + encodeURIComponent(id));
    renderJob(job);
    if (final(job.state)) return;
    // Live: the job's event stream.
    events = new EventSource("api/jobs/" + encodeURIComponent(id) + "/events");
    let current = job;
    events.addEventListener("job", (e) => { current = JSON.parse(e.data); renderJob(current); });
    events.addEventListener("step", (e) => { current.step = JSON.parse(e.data).step; renderJob(current); });
    events.addEventListener("log", (e) => {
      current.log = (current.log || []).concat([JSON.parse(e.data).line]);
      renderJob(current);
    });
    events.addEventListener("state", (e) => {
      Object.assign(current, JSON.parse(e.data));
      renderJob(current);
      if (final(current.state)) { events.close(); events = null; }
    });
    events.onerror = () => {
      if (events && events.readyState === EventSource.CLOSED) events = null;
    };
  }

  async function loadServices() {
    const list = $("services-list");
    list.replaceChildren();
    $("services-error").hidden = true;
    let body;
    try {
      body = await get("api/services");
    } catch (error) {
      $("services-error").textContent = error.message;
      $("services-error").hidden = false;
      return;
    }
    if (body.services.length === 0) list.appendChild(el("p", "No services.", "note"));
    for (const s of body.services) {
      const card = el("div", null, "card");
      card.dataset.service = s.project + "/" + s.service;
      card.appendChild(el("h2", s.container_name));
      const facts = el("dl", null, "facts");
      const add = (name, value, cls) => {
        if (!value) return;
        facts.appendChild(el("dt", name));
        facts.appendChild(el("dd", value, cls));
      };
      add("Service", s.project + "/" + s.service);
      add("State", s.state + (s.health ? " (" + s.health + ")" : ""));
      add("Image", s.image, "mono");
      add("Digest", s.digest, "mono");
      if (s.last_deploy) {
        add("Last deploy", s.last_deploy.state + ", " + time(s.last_deploy.finished_at),
            "state state-" + s.last_deploy.state);
        add("Why", s.last_deploy.error, "error");
      }
      card.appendChild(facts);
      if (s.earlier.length) {
        card.appendChild(el("h3", "Earlier deploys"));
        for (const e of s.earlier) {
          const line = el("div", null, "command");
          line.appendChild(el("span", time(e.finished_at), "note"));
          const code = el("code", e.command);
          line.appendChild(code);
          const copy = el("button", "Copy");
          copy.type = "button";
          copy.addEventListener("click", () => {
            if (navigator.clipboard) navigator.clipboard.writeText(e.command).catch(() => {});
            const range = document.createRange();
            range.selectNodeContents(code);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
          });
          line.appendChild(copy);
          card.appendChild(line);
        }
      }
      list.appendChild(card);
    }
  }

  async function loadAudit() {
    const body = await get("api/audit");
    $("audit-note").textContent = "Refused requests of the last " + body.hours + " hours (no bodies, no signatures).";
    const fill = (id, rows, key) => {
      const tbody = $(id);
      tbody.replaceChildren();
      for (const r of rows) {
        const row = el("tr");
        row.appendChild(el("td", r[key]));
        row.appendChild(el("td", r.count));
        tbody.appendChild(row);
      }
    };
    fill("audit-reasons", body.by_reason, "reason");
    fill("audit-clients", body.by_client, "client");
    const tbody = $("audit-rows");
    tbody.replaceChildren();
    for (const r of body.refusals) {
      const row = el("tr");
      row.appendChild(el("td", r.reason));
      row.appendChild(el("td", r.client));
      row.appendChild(el("td", r.count));
      tbody.appendChild(row);
    }
  }

  async function route() {
    stopLive();
    const hash = location.hash.replace(/^#/, "") || "jobs";
    const [view, id] = hash.split("/");
    const name = views.includes(view) ? view : "jobs";
    views.forEach((v) => { $("view-" + v).hidden = v !== name; });
    document.querySelectorAll("nav a").forEach((a) => {
      a.classList.toggle("current", a.id === "nav-" + (name === "job" ? "jobs" : name));
    });
    document.body.dataset.view = name;
    try {
      if (name === "jobs") {
        await loadJobs();
        refresh = setInterval(() => { loadJobs().catch(() => {}); }, 3000);
      } else if (name === "job") {
        await loadJob(id || "");
      } else if (name === "services") {
        await loadServices();
      } else if (name === "audit") {
        await loadAudit();
      }
    } catch (error) {
      if (name === "job") $("job-error").textContent = error.message, $("job-error").hidden = false;
    }
  }

  async function start() {
    try {
      session = await get("api/session");
    } catch (error) {
      return;
    }
    $("login").hidden = true;
    $("nav").hidden = false;
    $("nav-audit").hidden = !session.audit;
    const h = session.history;
    $("history-note").textContent = "Logged in as " + session.viewer + ". History goes back " + h.days +
      " days, at most " + h.jobs + " jobs (JOB_RETENTION_DAYS, JOB_HISTORY).";
    $("filters").addEventListener("submit", (e) => { e.preventDefault(); loadJobs().catch(() => {}); });
    window.addEventListener("hashchange", route);
    route();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
