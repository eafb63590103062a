#!/usr/bin/env python3
"""The corpus harness's work (run.sh sets up the bed, the image and the hook).

For each compose version, for each project (several at once): copy it, check
the config hash of every service, start it with compose, /pull every service
through the hook, judge with compose's `up -d`, and compare the hook's
containers with those compose's own `up -d --force-recreate` makes.
Results are one record per (version, project, service, check): pass or fail
with a reason ("refused: ..." for keys the hook refuses).
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

CORPUS_DIR = os.path.dirname(os.path.abspath(__file__))
PROJECTS_DIR = os.path.join(CORPUS_DIR, "projects")
VERSIONS = ["2.40.3", "2.26.1"]
CHECKS = ["hash", "noop", "inspect"]
HOOK = os.path.abspath(os.environ["DELIVERY_HOOK_BIN"])
REGISTRY = os.environ["CORPUS_REGISTRY_BASE"]
PREFIX = os.environ["CORPUS_PREFIX_BASE"]
WORK = os.environ["CORPUS_WORK"]
STUB_REF = os.environ["CORPUS_STUB_REF"]
STUB2_REF = os.environ["CORPUS_STUB2_REF"]
OUT = os.environ["CORPUS_OUT"]
PRINT_LOCK = threading.Lock()
PUSH_LOCK = threading.Lock()
PUSHED = set()


def log(msg):
    with PRINT_LOCK:
        print(f"[corpus] {msg}", file=sys.stderr, flush=True)


def compose_bin(version):
    return os.environ["DH_COMPOSE_" + version.replace(".", "_")]


def run(cmd, cwd=None, timeout=300, env=None):
    """(exit code, stdout+stderr) of cmd; 124 on timeout."""
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout, text=True)
        return p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        return 124, out + f"\n(timed out after {timeout}s)"


def short(text, n=300):
    """The end of text on one line (errors come last)."""
    text = " ".join(text.split())
    return text if len(text) <= n else "..." + text[-n:]


# --- the project copy ------------------------------------------------------

def prepare(project, version, index):
    """Copies the project to a folder named as its compose project; puts the
    per-run values in front of its .env (a project's own COMPOSE_PROJECT_NAME
    becomes the run's name, so that everything carries the run's prefix)."""
    vtag = "c" + version.replace(".", "")
    name = f"{PREFIX}-{project}-{vtag}"
    dest = os.path.join(WORK, vtag, name)
    shutil.copytree(os.path.join(PROJECTS_DIR, project), dest, symlinks=True)
    adapt_to_bed(dest)
    envfile = os.path.join(dest, ".env")
    original = open(envfile).read() if os.path.exists(envfile) else ""
    original = re.sub(r"(?m)^COMPOSE_PROJECT_NAME=.*$", f"COMPOSE_PROJECT_NAME={name}", original)
    net = 100 + (index % 50) + (0 if version == VERSIONS[0] else 50)
    head = (f"CORPUS_PREFIX={name}\nCORPUS_NET24=10.{net}.{(os.getpid() + index) % 250}\n"
            f"CORPUS_BRIDGE={os.urandom(4).hex()}\n")
    head += f"CORPUS_REGISTRY={REGISTRY}/{project}-{vtag}\n"
    with open(envfile, "w") as f:
        f.write(head + original)
    # Env files an `include` reads instead of .env (listed in .corpus-env)
    # get the per-run values too.
    extra = os.path.join(dest, ".corpus-env")
    if os.path.exists(extra):
        for other in open(extra).read().split():
            path = os.path.join(dest, other)
            body = open(path).read()
            with open(path, "w") as f:
                f.write(head + body)
    return name, dest


def adapt_to_bed(dest):
    """What this engine cannot start, lowered in the copy (same keys, the
    corpus keeps the original values): nofile limits above the engine's hard
    limit (CORPUS_NOFILE_MAX) and, where privileged containers are refused
    (CORPUS_PRIVILEGED=false), `privileged: true`."""
    limit = int(os.environ.get("CORPUS_NOFILE_MAX", "0") or 0)
    privileged = os.environ.get("CORPUS_PRIVILEGED", "true") == "true"
    for root, _, names in os.walk(dest):
        for n in names:
            if not n.endswith((".yaml", ".yml")):
                continue
            path = os.path.join(root, n)
            text = open(path).read()
            new = text
            if limit:
                new = re.sub(r"(?m)^(\s+(?:soft|hard): )(\d+)\s*$",
                             lambda m: m.group(1) + str(min(int(m.group(2)), limit)), new)
            if not privileged:
                new = re.sub(r"(?m)^(\s+privileged: )true\s*$", r"\1false", new)
            if new != text:
                open(path, "w").write(new)


def compose_files(dest):
    """The files compose reads in dest, in its order: COMPOSE_FILE from .env,
    else compose.yaml plus compose.override.yaml when present."""
    for line in open(os.path.join(dest, ".env")):
        if line.startswith("COMPOSE_FILE="):
            return line.strip().split("=", 1)[1].split(":")
    files = ["compose.yaml"]
    if os.path.exists(os.path.join(dest, "compose.override.yaml")):
        files.append("compose.override.yaml")
    return files


def image_refs(version, dest):
    code, out = run([compose_bin(version), "config", "--images"], cwd=dest)
    if code != 0:
        return None, f"compose config --images failed: {short(out)}"
    return sorted(set(out.split())), None


def push_images(refs, image, keep_local=None):
    """Pushes `image` under every ref (this project's own repositories); with
    keep_local, the local tags then point at keep_local again, so that only
    a real pull brings `image` to the engine (as when CI pushes from
    elsewhere)."""
    for ref in refs:
        for cmd in (["docker", "tag", image, ref], ["docker", "push", "-q", ref]):
            code, out = run(cmd, timeout=120)
            if code != 0:
                return f"{' '.join(cmd[:2])} {ref} failed: {short(out)}"
        if keep_local:
            run(["docker", "tag", keep_local, ref])
        with PUSH_LOCK:
            if ref not in PUSHED:
                PUSHED.add(ref)
                with open(os.path.join(WORK, "pushed"), "a") as f:
                    f.write(ref + "\n")
    return None


# --- checks ------------------------------------------------------------------

def hook_check(version, dest, files):
    """{service: ("ok", hash) or ("refused", [problems])} from `delivery-hook check`."""
    cmd = [HOOK, "check", "--compose-version", version]
    for f in files:
        cmd += ["-f", f]
    code, out = run(cmd, cwd=dest)
    result, current = {}, None
    for line in out.splitlines():
        m = re.match(r"^(\S+): ok, config hash ([0-9a-f]{64})$", line)
        if m:
            result[m.group(1)] = ("ok", m.group(2))
            current = None
            continue
        m = re.match(r"^(\S+): refused$", line)
        if m:
            current = m.group(1)
            result[current] = ("refused", [])
            continue
        if line.startswith("  ") and current:
            result[current][1].append(line.strip())
    if not result:
        return None, short(out)
    return result, None


def refusal_keys(problems):
    keys = []
    for p in problems:
        m = re.search(r'"([^"]+)"', p) or re.search(r"key (\S+)", p)
        keys.append(m.group(1) if m else p)
    return keys


def containers(project):
    """{service: container id} of compose project `project`."""
    code, out = run(["docker", "ps", "-a", "--no-trunc", "--filter", f"label=com.docker.compose.project={project}",
                     "--format", '{{.ID}} {{.Label "com.docker.compose.service"}}'])
    result = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2:
            result[parts[1]] = parts[0]
    return result


def inspect_views(ids):
    """{service: normalised inspect} for {service: id}: what compose decides
    of the container, without what differs between any two containers
    (ids, addresses, the image label and the version/replace labels), env as
    a set, and `container:<id>` modes named by the container's name."""
    if not ids:
        return {}
    code, out = run(["docker", "inspect"] + list(ids.values()))
    if code != 0:
        return {}
    names = {}
    code2, out2 = run(["docker", "ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}"])
    for line in out2.splitlines():
        i, _, n = line.partition(" ")
        names[i] = n
    shorts = {i[:12]: n for i, n in names.items()}
    views = {}
    for c in json.loads(out):
        sid = c["Id"][:12]
        cfg = dict(c["Config"])
        if cfg.get("Hostname") == sid:
            cfg["Hostname"] = "<short id>"
        elif cfg.get("Hostname") in shorts:
            cfg["Hostname"] = "<short id of " + shorts[cfg["Hostname"]] + ">"
        labels = dict(cfg.get("Labels") or {})
        # config-hash is judged by the hash and noop checks (and it takes in
        # the id of a `network_mode: service:` parent, which compose's
        # --force-recreate recreates); the release label comes from the image.
        for k in ("com.docker.compose.image", "com.docker.compose.version", "com.docker.compose.replace",
                  "com.docker.compose.config-hash", "org.deliveryhook.corpus.release"):
            labels.pop(k, None)
        if "com.docker.compose.depends_on" in labels:
            labels["com.docker.compose.depends_on"] = ",".join(sorted(labels["com.docker.compose.depends_on"].split(",")))
        cfg["Labels"] = labels
        cfg["Env"] = sorted(cfg.get("Env") or [])
        host = dict(c["HostConfig"])
        # The order of binds means nothing to the engine (one per target).
        host["Binds"] = sorted(host.get("Binds") or [])
        # compose 2.26.1 orders long-syntax mounts differently from run to run.
        host["Mounts"] = sorted(host.get("Mounts") or [], key=lambda m: m.get("Target", ""))
        for k in ("NetworkMode", "IpcMode", "PidMode"):
            v = host.get(k) or ""
            if v.startswith("container:"):
                host[k] = "container:" + names.get(v[10:], v[10:])
        nets = {}
        for n, v in (c["NetworkSettings"]["Networks"] or {}).items():
            nets[n] = {"Aliases": sorted(a for a in (v.get("Aliases") or []) if a != sid),
                       "DNSNames": sorted(a for a in (v.get("DNSNames") or []) if a != sid),
                       "IPAMConfig": v.get("IPAMConfig"), "Links": v.get("Links"),
                       "DriverOpts": v.get("DriverOpts"), "NetworkID": v.get("NetworkID")}
        mounts = sorted(({k: m.get(k) for k in ("Type", "Name", "Source", "Destination", "Driver", "Mode", "RW",
                                               "Propagation")} for m in c["Mounts"]),
                        key=lambda m: m["Destination"])
        service = c["Config"]["Labels"].get("com.docker.compose.service")
        views[service] = {"Name": c["Name"], "Config": cfg, "HostConfig": host, "Networks": nets, "Mounts": mounts}
    return views


def differences(a, b, path=""):
    """Paths where a (compose) and b (hook) differ, with both values."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            out += differences(a.get(k), b.get(k), f"{path}.{k}" if path else k)
        return out
    if a != b:
        return [(path, a, b)]
    return []


# --- one project with one version -------------------------------------------

def run_project(project, version, index, deploy):
    records = []

    def rec(service, check, ok, reason=""):
        records.append({"version": version, "project": project, "service": service, "check": check,
                        "pass": ok, "reason": reason})

    start = time.time()
    name, dest = prepare(project, version, index)
    files = compose_files(dest)
    refs, err = image_refs(version, dest)
    err = err or push_images(refs, STUB_REF)
    code, out = run([compose_bin(version), "config", "--hash", "*"], cwd=dest)
    compose_hash = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and re.fullmatch(r"[0-9a-f]{64}", parts[1]):
            compose_hash[parts[0]] = parts[1]
    if code != 0 or not compose_hash or err:
        for check in CHECKS:
            rec("*", check, False, f"harness: {err or 'compose config --hash failed: ' + short(out)}")
        return records
    check, check_err = hook_check(version, dest, files)
    refused = {}
    for service in sorted(compose_hash):
        got = (check or {}).get(service)
        if got is None:
            rec(service, "hash", False, f"not loaded by the hook: {check_err or 'service missing'}")
        elif got[0] == "refused":
            refused[service] = refusal_keys(got[1])
            rec(service, "hash", False, "refused: " + ", ".join(got[1]))
        else:
            rec(service, "hash", got[1] == compose_hash[service],
                "" if got[1] == compose_hash[service] else f"hook {got[1][:12]} != compose {compose_hash[service][:12]}")
    if not deploy:
        return records

    compose = [compose_bin(version)]
    code, out = run(compose + ["up", "-d"], cwd=dest, timeout=240)
    running = containers(name)
    if code != 0:
        for service in sorted(compose_hash):
            for c in ("noop", "inspect"):
                rec(service, c, False, f"harness: compose up -d failed: {short(out)}")
        run(compose + ["down", "-v", "-t", "0", "--remove-orphans"], cwd=dest, timeout=120)
        return records
    # The new release of every image, as CI would push it.
    err = push_images(refs, STUB2_REF, keep_local=STUB_REF)
    if err:
        for service in sorted(compose_hash):
            for c in ("noop", "inspect"):
                rec(service, c, False, f"harness: {err}")
        run(compose + ["down", "-v", "-t", "0", "--remove-orphans"], cwd=dest, timeout=120)
        return records
    deployed = {}
    for service in sorted(running):
        code, out = run([HOOK, "trigger", "--url", os.environ["HOOK_URL"], "--project", name, "--service", service,
                         "--wait", "--timeout", "200"], timeout=240)
        lines = [l for l in out.strip().splitlines() if "error" in l.lower() or "fail" in l.lower() or
                 "rolled" in l.lower()] or out.strip().splitlines()[-1:]
        deployed[service] = (code == 0, short(" | ".join(lines[:3]), 400))
    hook_ids = containers(name)
    hook_views = inspect_views(hook_ids)
    code, out = run(compose + ["up", "-d"], cwd=dest, timeout=240)
    after = containers(name)
    recreated_lines = out
    code2, out2 = run(compose + ["up", "-d", "--force-recreate"], cwd=dest, timeout=240)
    compose_views = inspect_views(containers(name))
    for service in sorted(compose_hash):
        if service not in running:
            for c in ("noop", "inspect"):
                rec(service, c, False, "harness: compose up -d started no container")
            continue
        ok, why = deployed[service]
        if not ok:
            reason = ("refused: " + ", ".join(refused[service])) if service in refused else f"hook: {why}"
            rec(service, "noop", False, reason)
            rec(service, "inspect", False, reason)
            continue
        if hook_ids.get(service) == running.get(service):
            rec(service, "noop", False, "hook: the job succeeded but the container was not recreated")
        elif after.get(service) != hook_ids.get(service):
            rec(service, "noop", False, f"compose {version} up -d recreated it" +
                ("" if code == 0 else f" (up failed: {short(recreated_lines)})"))
        else:
            rec(service, "noop", True)
        if code2 != 0 or service not in compose_views or service not in hook_views:
            rec(service, "inspect", False, f"harness: compose up -d --force-recreate failed: {short(out2)}")
            continue
        diffs = differences(compose_views[service], hook_views[service])
        rec(service, "inspect", not diffs,
            "; ".join(f"{p}: compose {json.dumps(a)[:120]} hook {json.dumps(b)[:120]}" for p, a, b in diffs))
    run(compose + ["down", "-v", "-t", "0", "--remove-orphans"], cwd=dest, timeout=120)
    log(f"{version} {project}: {len(compose_hash)} services, {time.time() - start:.0f}s")
    return records


# --- report ------------------------------------------------------------------

def key(r):
    return f"{r['version']} {r['project']}/{r['service']} {r['check']}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--all", action="store_true")
    ap.add_argument("--projects", default="")
    ap.add_argument("--versions", default=",".join(VERSIONS))
    ap.add_argument("--jobs", type=int, default=3)
    ap.add_argument("--baseline")
    ap.add_argument("--write-baseline")
    args = ap.parse_args()
    projects = sorted(os.listdir(PROJECTS_DIR))
    if args.projects:
        projects = [p for p in projects if p in args.projects.split(",")]
    subset = [l.split("#")[0].strip() for l in open(os.path.join(CORPUS_DIR, "ci-subset.txt"))]
    subset = {s for s in subset if s}
    versions = [v for v in args.versions.split(",") if v]
    records = []
    started = time.time()
    for version in versions:
        t0 = time.time()
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = [pool.submit(run_project, p, version, i, args.all or bool(args.projects) or p in subset)
                       for i, p in enumerate(projects)]
            for f in futures:
                records += f.result()
        log(f"compose {version}: {time.time() - t0:.0f}s")

    print("\n== corpus: pass rates (services) ==")
    print(f"{'check':8} " + " ".join(f"{v:>16}" for v in versions))
    table = {}
    for check in CHECKS:
        row = []
        for v in versions:
            rs = [r for r in records if r["check"] == check and r["version"] == v]
            passed = sum(r["pass"] for r in rs)
            table.setdefault(check, {})[v] = {"pass": passed, "total": len(rs)}
            row.append(f"{passed:>4}/{len(rs):<4} {100.0 * passed / max(len(rs), 1):5.1f}%")
        print(f"{check:8} " + " ".join(f"{x:>16}" for x in row))
    refused = {}
    for r in records:
        if r["check"] == "hash" and r["reason"].startswith("refused: "):
            for k in set(refusal_keys(r["reason"][9:].split(", "))):
                refused[k] = refused.get(k, 0) + 1
    print("\n== refused keys (service x version) ==")
    for k, n in sorted(refused.items(), key=lambda x: (-x[1], x[0])):
        print(f"{n:4}  {k}")
    print("\n== failures ==")
    for r in records:
        if not r["pass"]:
            print(f"FAIL {key(r)}: {r['reason']}")

    summary = {"versions": versions, "projects": projects, "seconds": round(time.time() - started),
               "deploy_projects": sorted(p for p in projects if args.all or args.projects or p in subset),
               "rates": table, "refused_keys": refused, "records": records}
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)
    print(f"\nsummary: {os.path.join(OUT, 'summary.json')}")
    passes = sorted(key(r) for r in records if r["pass"])
    if args.write_baseline:
        with open(args.write_baseline, "w") as f:
            json.dump({"passes": passes}, f, indent=1)
            f.write("\n")
    rc = 0
    if args.baseline:
        base = set(json.load(open(args.baseline))["passes"])
        measured = {key(r) for r in records}
        now = set(passes)
        regressed = sorted((base & measured) - now)
        improved = sorted(now - base)
        for k in improved:
            print(f"NEWLY PASSING (raise the baseline): {k}")
        for k in regressed:
            print(f"REGRESSED: {k}")
        print(f"baseline: {len(regressed)} regressed, {len(improved)} newly passing")
        rc = 1 if regressed else 0
    return rc


if __name__ == "__main__":
    sys.exit(main())
