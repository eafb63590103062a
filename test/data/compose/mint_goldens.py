#!/usr/bin/env python3
"""Regenerates the expected.json of each fixture project with real compose.

Usage: COMPOSE_2_40_3=<path to docker-compose 2.40.3> COMPOSE_2_26_1=<path to 2.26.1> \
       python3 mint_goldens.py [case...]

Each case directory holds a compose project. It is copied to <tmp>/<case> (so
the project name is the case name), compose runs there with only
HOME=/home/tester, PATH and the variables of the case's `process.env`, and
expected.json records, per compose version, `services.<name>` of
`docker compose config --format json` (compact, Go's HTML escaping, `$$`
unescaped, the project dir replaced by @DIR@, its parent by @PARENT@) and its config hash computed with
compose's rule (build, pull_policy, scale, deploy.replicas dropped; depends_on
from 2.29.3 and profiles from 2.30.2). `config --format json` folds env_file
into environment as `up` does; where a service has no env_file the hash is
also checked against `config --hash`. The unit tests never run compose.
"""
import hashlib, json, os, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
VERSIONS = {"2.40.3": os.environ.get("COMPOSE_2_40_3"), "2.26.1": os.environ.get("COMPOSE_2_26_1")}


def unescape(value):
    if isinstance(value, str):
        return value.replace("$$", "$")
    if isinstance(value, list):
        return [unescape(v) for v in value]
    if isinstance(value, dict):
        return {k.replace("$$", "$"): unescape(v) for k, v in value.items()}
    return value


def go_json(value):
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def version_tuple(text):
    return tuple(int(p) for p in text.split("."))


def hashed_part(service, version):
    service = json.loads(json.dumps(service))
    for key in ("build", "pull_policy", "scale"):
        service.pop(key, None)
    if "deploy" in service:
        service["deploy"].pop("replicas", None)
    if version_tuple(version) >= (2, 29, 3):
        service.pop("depends_on", None)
    if version_tuple(version) >= (2, 30, 2):
        service.pop("profiles", None)
    return go_json(service)


def config_hash(service, version):
    return hashlib.sha256(hashed_part(service, version).encode()).hexdigest()


def read_env(path):
    env = {}
    if os.path.exists(path):
        for line in open(path):
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                env[key] = value
    return env


def mint(case):
    source = os.path.join(HERE, case)
    files = open(os.path.join(source, "files")).read().split() if os.path.exists(os.path.join(source, "files")) else []
    with tempfile.TemporaryDirectory() as tmp:
        work = os.path.join(tmp, case)
        shutil.copytree(source, work)
        env = {"PATH": os.environ["PATH"], "HOME": "/home/tester"}
        env.update(read_env(os.path.join(source, "process.env")))
        args = sum([["-f", f] for f in files], []) + ["--profile", "*"]
        expected = {"services": {}}
        for version, binary in VERSIONS.items():
            out = subprocess.run([binary] + args + ["config", "--format", "json"], cwd=work, env=env,
                                 capture_output=True, text=True, check=True).stdout
            model = unescape(json.loads(out))
            hashes = dict(line.split() for line in subprocess.run(
                [binary] + args + ["config", "--hash", "*"], cwd=work, env=env,
                capture_output=True, text=True, check=True).stdout.splitlines() if line.strip())
            expected["project"] = model["name"]
            for name, service in model["services"].items():
                entry = expected["services"].setdefault(name, {"json": {}, "hash": {}})
                entry["json"][version] = go_json(service).replace(work, "@DIR@").replace(tmp, "@PARENT@")
                # A hash over absolute bind paths only holds for the temp dir.
                entry["hash"][version] = None if tmp in hashed_part(service, version) else config_hash(service, version)
                raw = open(os.path.join(work, files[0] if files else "compose.yaml")).read()
                if "env_file" not in raw and entry["hash"][version] is None:
                    continue
                if "env_file" not in raw and hashes.get(name) != entry["hash"][version]:
                    sys.exit(f"{case}/{name}: computed hash differs from compose {version} config --hash")
            for kind in ("networks", "volumes"):
                expected[kind] = {k: go_json(v) for k, v in model.get(kind, {}).items()}
        with open(os.path.join(source, "expected.json"), "w") as out:
            json.dump(expected, out, indent=2, sort_keys=True)
            out.write("\n")
        print("minted", case)


if __name__ == "__main__":
    cases = sys.argv[1:] or sorted(d for d in os.listdir(HERE) if os.path.isdir(os.path.join(HERE, d)))
    for case in cases:
        mint(case)
