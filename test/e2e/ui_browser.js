// The operator's page in headless Chromium (Debian's chromium, driven by
// playwright-core; no browser download). Run by t_ui.sh, which starts the
// hook and the services; settings come from the environment:
//   API_BASE, HOOK_SECRET (signs the triggers), READ_SECRET (a read key),
//   SCOPED_SECRET (a read key of project GOOD_PROJECT only), GOOD_NAME,
//   GOOD_PROJECT, BAD_NAME, BAD_PROJECT, SCREENSHOT_DIR.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(name + " is not set");
  return value;
};
const API = env("API_BASE");
const UI = API + "/ui/";
const step = (text) => console.error("[ui_browser] " + text);
function check(condition, message) {
  if (!condition) throw new Error("FAIL: " + message);
}

// A signed POST, as a pipeline sends it.
async function trigger(container, wait) {
  const body = JSON.stringify({ container_name: container });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = crypto.createHmac("sha256", env("HOOK_SECRET")).update(body + timestamp).digest("hex");
  const response = await fetch(API + "/pull" + (wait ? "?wait=120" : ""), {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Timestamp": timestamp, "X-Signature": signature },
    body,
  });
  const answer = await response.json();
  check([200, 202, 500].includes(response.status) && answer.job_id, "trigger " + container + ": " + JSON.stringify(answer));
  return answer;
}

async function login(context, secret) {
  const page = await context.newPage();
  const requests = [];
  page.on("request", (request) => requests.push(request.url()));
  const response = await page.goto(UI);
  check(response.status() === 200, "GET /ui/: " + response.status());
  await page.waitForSelector("#login:not([hidden])");
  await page.fill("#token", secret);
  await Promise.all([page.waitForNavigation(), page.click("#login-button")]);
  await page.waitForSelector("#nav:not([hidden])");
  return { page, requests, response };
}

// page.waitForFunction evaluates a string in the page, which the page's CSP
// (rightly) forbids: poll with evaluate instead.
async function waitUntil(page, predicate, arg, timeout = 30000) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(predicate, arg)) return;
    if (Date.now() > end) throw new Error("FAIL: timed out waiting for " + predicate.toString());
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function jobRows(page) {
  return page.$$eval("#jobs-body tr", (rows) =>
    rows.map((r) => ({ id: r.dataset.jobId, state: r.dataset.state, service: r.dataset.service,
                       text: r.textContent })));
}

// UI_PREFIX set: the page through a reverse proxy under that path prefix
// (UI_BASE_PATH), only: log in, the jobs, a job, log out.
async function behindPrefix(browser, shots) {
  const base = env("UI_PREFIX");
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const page = await context.newPage();
  const requests = [];
  page.on("request", (request) => requests.push(request.url()));
  await page.goto(base + "/ui");  // redirected to .../ui/
  check(page.url() === base + "/ui/", "redirected to the page: " + page.url());
  await page.waitForSelector("#login:not([hidden])");
  await page.fill("#token", env("READ_SECRET"));
  await Promise.all([page.waitForNavigation(), page.click("#login-button")]);
  await page.waitForSelector("#jobs-body tr");
  const cookie = (await context.cookies()).find((c) => c.name === "dh_session");
  check(cookie && cookie.path === new URL(base).pathname + "/ui", "the cookie's path: " + (cookie && cookie.path));
  const id = await page.getAttribute("#jobs-body tr", "data-job-id");
  await page.click("#jobs-body tr a");
  await waitUntil(page, () => ["succeeded", "rolled_back", "failed"].includes(document.body.dataset.jobState));
  check((await page.textContent("#job-id")) === id, "the job view under the prefix");
  await page.screenshot({ path: path.join(shots, "job-phone-behind-proxy.png"), fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click("#logout")]);
  await page.waitForSelector("#login:not([hidden])");
  const foreign = requests.filter((u) => !u.startsWith(base + "/ui"));
  check(foreign.length === 0, "requests outside the prefix: " + foreign.join(", "));
  step(requests.length + " requests, all under " + base + "/ui");
  await context.close();
}

(async () => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const shots = env("SCREENSHOT_DIR");
  fs.mkdirSync(shots, { recursive: true });
  try {
    if (process.env.UI_PREFIX) {
      await behindPrefix(browser, shots);
      step("all checks passed");
      return;
    }
    // --- log in with a read key; the page's headers and DOM ----------------
    const viewer = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, requests, response } = await login(viewer, env("READ_SECRET"));
    const headers = response.headers();
    step("CSP: " + headers["content-security-policy"]);
    check((headers["content-security-policy"] || "").includes("script-src 'self'"), "CSP header");
    check((headers["content-security-policy"] || "").includes("frame-ancestors 'none'"), "frame-ancestors");
    check(headers["x-content-type-options"] === "nosniff", "nosniff");
    const inline = await page.evaluate(() => {
      const found = [];
      document.querySelectorAll("script").forEach((s) => { if (!s.src || s.textContent.trim()) found.push("inline script"); });
      document.querySelectorAll("style").forEach(() => found.push("style element"));
      document.querySelectorAll("*").forEach((e) => {
        for (const a of e.attributes) {
          if (a.name.startsWith("on")) found.push("handler " + a.name);
          if (a.name === "style") found.push("style attribute");
          if ((a.name === "href" || a.name === "src" || a.name === "action") && /^(\/|[a-z]+:)/i.test(a.value)) found.push("absolute URL " + a.value);
        }
      });
      return found;
    });
    check(inline.length === 0, "no inline script or style, relative URLs only: " + inline.join(", "));
    const cookies = await viewer.cookies();
    const session = cookies.find((c) => c.name === "dh_session");
    check(session && session.httpOnly && session.sameSite === "Strict" && session.expires > 0,
          "the session cookie is HttpOnly, SameSite=Strict, with an expiry: " + JSON.stringify(session));

    // --- a deploy appears live and ends succeeded -------------------------
    await page.waitForSelector("#view-jobs:not([hidden])");
    const before = (await jobRows(page)).length;
    await page.evaluate(() => { window.__stayed = true; });
    const accepted = await trigger(env("GOOD_NAME"), false);
    step("triggered job " + accepted.job_id);
    await page.waitForSelector(`#jobs-body tr[data-job-id="${accepted.job_id}"]`, { timeout: 15000 });
    check(await page.evaluate(() => window.__stayed === true), "the list updated without a reload");
    check((await jobRows(page)).length === before + 1, "one more row");
    await page.click(`#jobs-body tr[data-job-id="${accepted.job_id}"] a`);
    await page.waitForSelector("#view-job:not([hidden])");
    const live = await page.evaluate(() => document.body.dataset.jobState);
    step("job view opened while " + live);
    check(live === "running" || live === "queued", "the job view opened while the job ran, not " + live);
    await waitUntil(page, () => document.body.dataset.jobState === "succeeded", null, 120000);
    check(await page.evaluate(() => window.__stayed === true), "the job view updated from the event stream, no reload");
    const seen = await page.textContent("#job-steps");
    step(seen);
    check(/\u2192 done$/.test(seen), "the steps the job went through, live: " + seen);
    const log = await page.textContent("#job-log");
    check(log.length > 0, "the job view shows the log");
    await page.screenshot({ path: path.join(shots, "job-desktop.png"), fullPage: true });


    // --- a rolled-back deploy shows its reason ----------------------------
    const bad = await trigger(env("BAD_NAME"), true);
    check(bad.state === "rolled_back", "the unhealthy deploy rolled back: " + bad.state);
    await page.goto(UI + "#job/" + bad.job_id);
    await waitUntil(page, () => document.body.dataset.jobState === "rolled_back");
    const why = await page.textContent("#job-error");
    step("rolled back: " + why);
    check(why.includes("unhealthy"), "the reason is shown: " + why);

    // --- the filters -------------------------------------------------------
    await page.goto(UI + "#jobs");
    await page.waitForSelector("#view-jobs:not([hidden])");
    await page.selectOption("#filter-state", "rolled_back");
    await page.click("#filter-apply");
    await waitUntil(page, () => [...document.querySelectorAll("#jobs-body tr")].every((r) => r.dataset.state === "rolled_back"));
    let rows = await jobRows(page);
    check(rows.length >= 1 && rows.some((r) => r.id === bad.job_id), "state filter keeps the rolled-back job");
    await page.selectOption("#filter-state", "");
    await page.fill("#filter-service", env("GOOD_PROJECT") + "/web");
    await page.click("#filter-apply");
    await waitUntil(page, (id) => {
      const rs = [...document.querySelectorAll("#jobs-body tr")];
      return rs.length > 0 && rs.every((r) => r.textContent.includes(id));
    }, env("GOOD_PROJECT"));
    rows = await jobRows(page);
    check(rows.length === 2, "service filter: the good service's two jobs, got " + rows.length);

    // --- services: image, digest, earlier digests with a rollback command -
    await page.goto(UI + "#services");
    const card = `.card[data-service="${env("GOOD_PROJECT")}/web"]`;
    await page.waitForSelector(card);
    const cardText = await page.textContent(card);
    check(cardText.includes("sha256:"), "the running digest is shown");
    const commands = await page.$$eval(card + " .command code", (c) => c.map((x) => x.textContent));
    step("rollback commands: " + commands.join(" | "));
    check(commands.length >= 1 && /^delivery-hook rollback --container \S+ --to (\S+@)?sha256:[0-9a-f]{64}$/.test(commands[0]),
          "a copy-ready rollback command per earlier digest");
    check(await page.$(`.card[data-service="${env("BAD_PROJECT")}/web"]`), "the viewer sees the other service too");
    await page.screenshot({ path: path.join(shots, "services-desktop.png"), fullPage: true });

    // --- audit -------------------------------------------------------------
    await page.goto(UI + "#audit");
    await waitUntil(page, () => document.querySelectorAll("#audit-reasons tr").length > 0);
    const audit = await page.textContent("#audit-reasons");
    check(audit.includes("unauthenticated"), "the refused request is counted: " + audit);
    await page.screenshot({ path: path.join(shots, "audit-desktop.png"), fullPage: true });
    await page.goto(UI + "#jobs");
    await page.waitForSelector("#jobs-body tr");
    await page.screenshot({ path: path.join(shots, "jobs-desktop.png"), fullPage: true });

    // --- phone width -------------------------------------------------------
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const small = await login(phone, env("READ_SECRET"));
    await small.page.waitForSelector("#jobs-body tr");
    const overflow = await small.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, "no sideways scrolling of the page at phone width (" + overflow + " px)");
    await small.page.screenshot({ path: path.join(shots, "jobs-phone.png"), fullPage: true });
    await small.page.goto(UI + "#services");
    await small.page.waitForSelector(card);
    await small.page.screenshot({ path: path.join(shots, "services-phone.png"), fullPage: true });
    await phone.close();

    // --- log out: the cookie no longer works ------------------------------
    await page.goto(UI + "#jobs");
    await page.waitForSelector("#nav:not([hidden])");
    await Promise.all([page.waitForNavigation(), page.click("#logout")]);
    await page.waitForSelector("#login:not([hidden])");
    const replay = await fetch(API + "/ui/api/session", { headers: { Cookie: "dh_session=" + session.value } });
    check(replay.status === 401, "the old cookie after logout: " + replay.status);
    await page.screenshot({ path: path.join(shots, "login-phone-or-desktop.png") });

    // --- no request left for another origin -------------------------------
    const foreign = requests.filter((u) => !u.startsWith(API + "/"));
    check(foreign.length === 0, "requests to other origins: " + foreign.join(", "));
    step(requests.length + " requests, all to " + API);
    await viewer.close();

    // --- a scoped key sees only its services ------------------------------
    const scopedContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const scoped = await login(scopedContext, env("SCOPED_SECRET"));
    check(await scoped.page.isHidden("#nav-audit"), "no audit view for a scoped key");
    await scoped.page.waitForSelector("#jobs-body tr");
    const scopedRows = await jobRows(scoped.page);
    check(scopedRows.every((r) => r.text.includes(env("GOOD_PROJECT"))), "scoped jobs: only its project");
    check(!scopedRows.some((r) => r.id === bad.job_id), "scoped jobs: not the other project's");
    await scoped.page.goto(UI + "#services");
    await scoped.page.waitForSelector("#services-list .card, #services-list p");
    const services = await scoped.page.$$eval("#services-list .card", (cs) => cs.map((c) => c.dataset.service));
    step("scoped services: " + services.join(", "));
    check(services.length === 1 && services[0] === env("GOOD_PROJECT") + "/web", "scoped services: only its own");
    const foreignScoped = scoped.requests.filter((u) => !u.startsWith(API + "/"));
    check(foreignScoped.length === 0, "scoped: requests to other origins: " + foreignScoped.join(", "));
    await scopedContext.close();
    step("all checks passed");
  } finally {
    await browser.close();
  }
})().catch((error) => {
  console.error(error.stack || String(error));
  process.exit(1);
});
