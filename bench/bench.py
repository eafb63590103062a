#!/usr/bin/env python3
"""Measuring helpers for the bench/*.sh scripts (standard library only).

  bench.py probe PORT SECRET COUNT SPACING_MS OUT.json
      COUNT valid, signed POST /pull requests naming unknown containers, one
      fresh connection each; latencies and statuses to OUT.json.
  bench.py sample PID INTERVAL_MS OUT.json
      samples VmRSS of PID until it exits or SIGTERM; max/last to OUT.json.
  bench.py startup HOOK RUNS OUT.json
      exec HOOK serve and time until GET /healthz answers, RUNS times.
  bench.py deploy ...   see deploy_main()
"""
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request


def pct(values, p):
    if not values:
        return None
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(p / 100.0 * (len(s) - 1)))))
    return s[k]


def summary(values):
    if not values:
        return {}
    return {"n": len(values), "min": min(values), "p50": statistics.median(values),
            "p90": pct(values, 90), "p99": pct(values, 99), "max": max(values)}


def sign(secret, body, timestamp):
    return hmac.new(secret.encode(), (body + timestamp).encode(), hashlib.sha256).hexdigest()


# The probes' source address: another loopback address than the flood's, as
# a pipeline is another client than an attacker (the failed-authentication
# limiter counts per client address).
SOURCE_ADDRESS = ("127.0.0.1", 0)


def http(port, method, path, body=b"", headers=None, timeout=10.0):
    """One request on a fresh connection; returns (status, body bytes)."""
    headers = dict(headers or {})
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    if body:
        headers["Content-Length"] = str(len(body))
    for k, v in headers.items():
        head += f"{k}: {v}\r\n"
    data = head.encode() + b"\r\n" + body
    with socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                  source_address=SOURCE_ADDRESS) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(data)
        chunks = []
        while True:
            c = s.recv(65536)
            if not c:
                break
            chunks.append(c)
    raw = b"".join(chunks)
    status = int(raw.split(b" ", 2)[1]) if raw else 0
    return status, raw.split(b"\r\n\r\n", 1)[-1]


def signed_post(port, secret, path, body):
    ts = str(int(time.time()))
    return http(port, "POST", path, body.encode(), {
        "Content-Type": "application/json", "X-Timestamp": ts,
        "X-Signature": sign(secret, body, ts)})


# --- probe -----------------------------------------------------------------
def probe_main(port, secret, count, spacing_ms, out):
    global SOURCE_ADDRESS
    SOURCE_ADDRESS = ("127.0.0.2", 0)
    port, count, spacing = int(port), int(count), int(spacing_ms) / 1000.0
    lat, statuses = [], {}
    tag = f"{os.getpid()}-{int(time.time())}"
    for i in range(count):
        body = json.dumps({"container_name": f"dhbench-nosuch-{tag}-{i}"})
        t0 = time.perf_counter()
        try:
            status, _ = signed_post(port, secret, "/pull", body)
        except OSError:
            status = 0
        lat.append((time.perf_counter() - t0) * 1000.0)
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        time.sleep(spacing)
    json.dump({"latency_ms": summary(lat), "statuses": statuses}, open(out, "w"), indent=1)


# --- sample ----------------------------------------------------------------
def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def sample_main(pid, interval_ms, out):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    values = []
    while not stop:
        v = rss_kb(pid)
        if v is None:
            break
        values.append(v)
        time.sleep(int(interval_ms) / 1000.0)
    json.dump({"samples": len(values), "max_kb": max(values, default=None),
               "last_kb": values[-1] if values else None}, open(out, "w"))


# --- startup ---------------------------------------------------------------
def startup_main(hook, runs, out):
    times, rss = [], []
    # One job database for all runs, as a restarted hook reopens its own;
    # BENCH_DATA_DIR starts from a copy of an existing one (a long history).
    data_dir = tempfile.mkdtemp(prefix="dhbench-startup-")
    if os.environ.get("BENCH_DATA_DIR"):
        for name in os.listdir(os.environ["BENCH_DATA_DIR"]):
            shutil.copy(os.path.join(os.environ["BENCH_DATA_DIR"], name), data_dir)
    env = dict(os.environ, SECRET_KEY="bench", LISTEN_ADDRESS="127.0.0.1", DATA_DIR=data_dir)
    for _ in range(int(runs)):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        env["PORT"] = str(port)
        t0 = time.perf_counter()
        p = subprocess.Popen([hook, "serve"], env=env, stderr=subprocess.DEVNULL)
        answered = None
        deadline = t0 + 5.0
        while time.perf_counter() < deadline:
            try:
                status, _ = http(port, "GET", "/healthz", timeout=1.0)
                if status == 200:
                    answered = (time.perf_counter() - t0) * 1000.0
                    break
            except OSError:
                time.sleep(0.0005)
        rss.append(rss_kb(p.pid))
        p.terminate()
        p.wait(5)
        if answered is None:
            sys.exit("startup: the hook did not answer within 5 s")
        times.append(answered)
    shutil.rmtree(data_dir, ignore_errors=True)
    json.dump({"exec_to_answer_ms": summary(times), "rss_after_first_answer_kb": summary(rss)},
              open(out, "w"), indent=1)


# --- deploy ----------------------------------------------------------------
class Events:
    """docker events, streamed to memory for the whole benchmark."""

    def __init__(self):
        self.items = []
        self.p = subprocess.Popen(["docker", "events", "--format", "{{json .}}"],
                                  stdout=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        time.sleep(0.3)

    def _read(self):
        for line in self.p.stdout:
            try:
                self.items.append(json.loads(line))
            except ValueError:
                pass

    def stop(self):
        self.p.terminate()
        self.p.wait(5)

    def since(self, t0_ns):
        return [e for e in list(self.items) if e.get("timeNano", 0) >= t0_ns]


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def wait_registry(timeout=120.0):
    """The registry is shared: other test suites stop and restart it."""
    deadline = time.time() + timeout
    while True:
        try:
            urllib.request.urlopen("http://127.0.0.1:5000/v2/", timeout=2).read()
            return
        except OSError:
            if time.time() > deadline:
                raise RuntimeError("the registry on 127.0.0.1:5000 stays down")
            time.sleep(0.5)


def ensure_variant(repo, tag, tar):
    """Push repo:tag again from its saved tar if the registry lost it (a
    restarted registry may come back empty), then drop the local copy."""
    wait_registry()
    try:
        get_manifest(repo, tag)
        return
    except urllib.error.HTTPError:
        pass
    ref = f"127.0.0.1:5000/{repo}:{tag}"
    run(["docker", "load", "-q", "-i", tar])
    for attempt in range(5):
        if subprocess.run(["docker", "push", "-q", ref], capture_output=True).returncode == 0:
            break
        wait_registry()
    run(["docker", "image", "rm", ref])


MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"


def get_manifest(repo, tag):
    req = urllib.request.Request(f"http://127.0.0.1:5000/v2/{repo}/manifests/{tag}",
                                 headers={"Accept": MANIFEST_TYPE})
    return urllib.request.urlopen(req, timeout=10).read()


def registry_point(repo, src_tag, dst_tag):
    """Make repo:dst_tag the same manifest as repo:src_tag, in the registry only."""
    mt = MANIFEST_TYPE
    manifest = get_manifest(repo, src_tag)
    put = urllib.request.Request(f"http://127.0.0.1:5000/v2/{repo}/manifests/{dst_tag}",
                                 data=manifest, method="PUT", headers={"Content-Type": mt})
    urllib.request.urlopen(put, timeout=10).read()


def container_info(name):
    r = subprocess.run(["docker", "inspect", "--format",
                        "{{.Id}} {{.Image}} {{.State.Running}}", name],
                       text=True, capture_output=True)
    if r.returncode != 0:
        return None
    cid, image, running = r.stdout.split()
    return {"id": cid, "image": image, "running": running == "true"}


def steps_from_events(events, t0_ns, project, old_id, image_repo):
    """Offsets (ms from t0) of the engine events of one redeploy."""
    out = {}

    def first(pred, key):
        for e in events:
            if pred(e):
                out.setdefault(key, (e["timeNano"] - t0_ns) / 1e6)
                return

    attrs = lambda e: e.get("Actor", {}).get("Attributes", {})
    is_proj = lambda e: attrs(e).get("com.docker.compose.project") == project
    first(lambda e: e.get("Type") == "image" and e.get("Action") == "pull"
          and image_repo in e.get("id", ""), "pulled")
    first(lambda e: e.get("Type") == "container" and e.get("Action") == "create"
          and is_proj(e) and e.get("id") != old_id, "created")
    first(lambda e: e.get("Type") == "container" and e.get("Action") in ("stop", "die")
          and e.get("id") == old_id, "old_stopped")
    first(lambda e: e.get("Type") == "container" and e.get("Action") == "start"
          and is_proj(e) and e.get("id") != old_id, "new_started")
    first(lambda e: e.get("Type") == "container" and e.get("Action") == "destroy"
          and e.get("id") == old_id, "old_removed")
    return out


def hook_deploy(port, secret, container, timeout=120.0):
    body = json.dumps({"container_name": container})
    status, answer = signed_post(port, secret, "/pull", body)
    if status != 202:
        raise RuntimeError(f"hook answered {status}: {answer[:200]!r}")
    job = json.loads(answer)
    deadline = time.time() + timeout
    while time.time() < deadline:
        s, b = http(port, "GET", "/jobs/" + job["job_id"],
                    headers={"Authorization": "Bearer " + job["job_token"]})
        j = json.loads(b)
        if j["state"] not in ("queued", "running"):
            if j["state"] != "succeeded" or j.get("step") != "done":
                raise RuntimeError(f"job ended {j['state']} step {j.get('step')}: {j.get('error')}")
            return j
        time.sleep(0.01)
    raise RuntimeError("job did not finish in time")


def deploy_main(cfg_path):
    """cfg: JSON with compose (argv list ending in -f FILE -p PROJECT), project, container, repo,
    variants ([tagA, tagB]), rounds, hooks ({label: {port, pid}}), secret, out."""
    cfg = json.load(open(cfg_path))
    compose = cfg["compose"]
    container, repo = cfg["container"], cfg["repo"]
    image_repo = "127.0.0.1:5000/" + repo
    events = Events()
    methods = ["compose"] + sorted(cfg["hooks"])
    results = {m: [] for m in methods}
    current = container_info(container)
    variant = 0
    try:
        for rnd in range(cfg["rounds"]):
            for method in methods:
                variant ^= 1
                tag = cfg["variants"][variant]
                ensure_variant(repo, tag, cfg["tars"][tag])
                registry_point(repo, tag, "latest")
                old = container_info(container)
                t0_ns = time.time_ns()
                t0 = time.perf_counter()
                job = None
                if method == "compose":
                    run(compose + ["pull", "-q", "app"])
                    run(compose + ["up", "-d", "app"])
                else:
                    job = hook_deploy(cfg["hooks"][method]["port"], cfg["secret"], container)
                done_ms = (time.perf_counter() - t0) * 1000.0
                time.sleep(0.3)  # let the event stream catch up
                new = container_info(container)
                if not new or not new["running"] or new["id"] == old["id"]:
                    raise RuntimeError(f"{method}: the container was not recreated")
                steps = steps_from_events(events.since(t0_ns), t0_ns, cfg["project"], old["id"],
                                          image_repo)
                rec = {"round": rnd, "done_ms": done_ms, "events_ms": steps}
                if job:
                    rec["job_ms"] = {"queued": job["started_at"] - job["created_at"],
                                     "run": job["finished_at"] - job["started_at"]}
                    rec["hook_rss_kb"] = rss_kb(cfg["hooks"][method]["pid"])
                    rec["job_log"] = job["log"][-6:]
                results[method].append(rec)
                # The old image is no longer used: remove it so the next pull
                # downloads its layer again, for every method alike.
                subprocess.run(["docker", "image", "rm", old["image"]], capture_output=True)
                print(f"  round {rnd + 1} {method:14s} new container running after "
                      f"{steps.get('new_started', float('nan')):7.0f} ms, done after "
                      f"{done_ms:7.0f} ms", file=sys.stderr)
    finally:
        events.stop()

    def med(method, key):
        vals = [r["events_ms"][key] for r in results[method] if key in r["events_ms"]]
        return statistics.median(vals) if vals else None

    table = {}
    for m in methods:
        table[m] = {k: med(m, k) for k in
                    ("pulled", "created", "old_stopped", "new_started", "old_removed")}
        table[m]["done"] = statistics.median(r["done_ms"] for r in results[m])
        if m != "compose":
            table[m]["hook_rss_kb_max"] = max(r["hook_rss_kb"] or 0 for r in results[m])
    ratios = {}
    for m in methods[1:]:
        if table[m]["new_started"] and table["compose"]["new_started"]:
            ratios[m] = {"new_running": table[m]["new_started"] / table["compose"]["new_started"],
                         "done": table[m]["done"] / table["compose"]["done"]}
    json.dump({"medians_ms": table, "ratio_vs_compose": ratios, "runs": results},
              open(cfg["out"], "w"), indent=1)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"probe": probe_main, "sample": sample_main, "startup": startup_main,
     "deploy": deploy_main}[cmd](*args)
