#!/usr/bin/env python3
"""A scripted container engine for the verify gate's tests: it answers podman's and docker's commands as the
scenario file ($FAKE_ENGINE_SCENARIO, JSON) says, and appends each command line to $FAKE_ENGINE_LOG."""
import json
import os
import sys

scenario = json.load(open(os.environ["FAKE_ENGINE_SCENARIO"]))
args = sys.argv[1:]
with open(os.environ["FAKE_ENGINE_LOG"], "a") as log:
    log.write(json.dumps(args) + "\n")


def say(text, code=0):
    if text:
        print(text)
    sys.exit(code)


def fmt():
    return args[args.index("--format") + 1] if "--format" in args else ""


cmd = args[0] if args else ""
# Called as the compose tool (`[stages.verify] compose = "python3 fake-engine.py compose"`): `version`, then
# `-p PROJECT -f FILE up -d ...` and `down -v`; the file it was given is kept for the test to read.
if cmd == "compose":
    rest = args[1:]
    if rest == ["version"]:
        say("podman-compose version 1.6.0")
    if "-f" in rest:
        import shutil
        shutil.copy(rest[rest.index("-f") + 1], os.environ["FAKE_ENGINE_LOG"] + ".compose.json")
    if "up" in rest and scenario.get("compose_up_error"):
        say(scenario["compose_up_error"], 1)
    say("")
# Called as kustomize: prints the rendered overlay the scenario holds.
if cmd == "kustomize":
    if scenario.get("kustomize_error"):
        print(scenario["kustomize_error"], file=sys.stderr)
        sys.exit(1)
    say(scenario.get("rendered", ""))
# `kube play FILE`: a server answering 200 on every hostPort of the file, for a few seconds, as the pod would.
if cmd == "kube" and args[1:2] == ["play"]:
    import re
    import shutil
    import subprocess

    path = args[2]
    shutil.copy(path, os.environ["FAKE_ENGINE_LOG"] + ".kube.yaml")
    if scenario.get("kube_play_error"):
        say(scenario["kube_play_error"], 125)
    server = (
        "import http.server,sys,threading\n"
        "class H(http.server.BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        self.send_response(200); self.send_header('Content-Length','0'); self.end_headers()\n"
        "    def log_message(self,*a): pass\n"
        "s=http.server.HTTPServer(('127.0.0.1',int(sys.argv[1])),H)\n"
        "threading.Timer(20,s.shutdown).start()\n"
        "s.serve_forever()\n"
    )
    for port in re.findall(r'"hostPort": (\d+)', open(path).read()):
        subprocess.Popen([sys.executable, "-c", server, port], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import time
    time.sleep(0.3)
    say("Pod:\n0123")
if cmd == "kube":
    say("")
if cmd == "healthcheck":
    unhealthy = scenario.get("unhealthy_checks", 0)
    count_file = os.environ["FAKE_ENGINE_LOG"] + ".checks"
    done = int(open(count_file).read()) if os.path.exists(count_file) else 0
    open(count_file, "w").write(str(done + 1))
    say("unhealthy" if done < unhealthy else "", 1 if done < unhealthy else 0)
if cmd in ("info", "version"):
    if not scenario.get("answers", True):
        print("Cannot connect to the engine", file=sys.stderr)
        sys.exit(125)
    say("runc" if cmd == "info" else "27.0.0")
if cmd == "build":
    f = args[args.index("-f") + 1]
    if not os.path.isfile(f):
        say("no Dockerfile at " + f, 125)
    beside = f + ".dockerignore"
    if os.path.exists(beside):
        with open(os.environ["FAKE_ENGINE_LOG"], "a") as log:
            log.write(json.dumps(["beside", beside]) + "\n")
    for line in scenario.get("build_log", ["[1/2] STEP 1/2: FROM base AS build", "[2/2] STEP 1/3: FROM base"]):
        print(line)
    sys.stdout.flush()
    if scenario.get("build_error"):
        print(scenario["build_error"], file=sys.stderr)
        sys.exit(1)
    sys.exit(0)
if cmd == "save":
    import io
    import tarfile

    def tar_of(files):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
            for name, text in files.items():
                data = text.encode()
                info = tarfile.TarInfo(name)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
        return buf.getvalue()

    layers = scenario.get("layers", [{"app/main.py": "print()"}])
    image = {"manifest.json": "[]"}
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as t:
        info = tarfile.TarInfo("manifest.json")
        info.size = 2
        t.addfile(info, io.BytesIO(b"[]"))
        for i, files in enumerate(layers):
            data = tar_of(files)
            info = tarfile.TarInfo("layer%d/layer.tar" % i)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    sys.stdout.buffer.write(out.getvalue())
    sys.exit(0)
if cmd == "ps":
    # A compose service's container, asked for by its compose label.
    for a in args:
        if a.startswith("label=com.docker.compose.service="):
            say("c0ffee-" + a.split("=", 2)[2])
    say("\n".join(scenario.get("leftovers", [])))
if cmd == "images":
    say("")
if cmd in ("network", "volume", "pod"):
    say("")
if cmd == "stop":
    import time
    time.sleep(scenario.get("stop_seconds", 0))
    say("")
if cmd in ("rm", "rmi"):
    say("")
if cmd == "image":
    say(str(scenario.get("size", 12345678)))
if cmd == "port":
    say("127.0.0.1:%d" % scenario["health_port"] if scenario.get("health_port") else "")
if cmd == "logs":
    say(scenario.get("logs", "listening"))
if cmd == "inspect":
    f = fmt()
    if "State.Pid" in f:
        say(str(scenario.get("pid", 4242)))
    if "ReadonlyRootfs" in f:
        say("%s %s" % (scenario.get("readonly", "true"), scenario.get("memory", "536870912")))
    if "State.Running" in f:
        say(scenario.get("running", "true"))
    say("")
if cmd == "run":
    if "-d" in args:
        say("0123456789ab", scenario.get("run_exit", 0))
    flag = args[-1]
    answer = scenario.get("cli", {}).get(flag)
    if answer is None:
        say("unknown flag " + flag, 2)
    say(answer, 0)
say("fake engine: unknown command " + " ".join(args), 125)
