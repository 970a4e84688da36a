#!/usr/bin/env python3
"""A test stage whose behaviour is set by its options table ([stages.NAME] in the case's stowage.toml).

Options: files (path -> text), facts (object), findings (list), notes (list), exit (code), sleep (seconds),
crash_after_writing (bool), symlink (path -> target), contract (int), require_facts_from (stage name),
dump_context (bool: also writes the context it received to a file named context-NAME.json in the report's folder),
stderr (text printed to stderr first), stderr_filler (int: that many `x` bytes on one line printed to stderr before
`stderr`), binary (path -> hex string: files written with exactly those bytes), child_writes (path -> seconds: starts a
child process that waits that long, then writes the path, relative to the app root, holding "leaked\n"; a child the
runner stopped with the stage never writes it), signal (int: after writing its files, the stage kills itself with
this signal, as the OOM killer does with 9), report_text (text written as the report instead of a JSON report; ""
writes no report at all), many_files (int: that many small files under many/, a hundred per folder), suppressed and rules (lists: the
report's sections of those names), detached_child_writes (path -> seconds: like child_writes, but the child leaves the
stage's process group and session with setsid first, as a daemon does), app_writes (path -> text: written straight
into the app, which stages must never do), read_app_file (path: the stage reads that app file first, as a stage
reading a FIFO would hang), busy (seconds: the stage computes that long, using the processor, before going on),
stderr_lines (int: that many 100-byte lines printed to stderr), big_files (path -> int: files of that many `z` bytes).
"""
import json
import os
import subprocess
import sys
import time


def main():
    args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
    with open(args["--context"], encoding="utf-8") as f:
        ctx = json.load(f)
    name = ctx["stage"]
    opts = ctx["config"]["stage_options"].get(name, {})
    out = args["--out"]
    for _ in range(int(opts.get("stderr_lines", 0))):
        sys.stderr.write("y" * 99 + "\n")
    if opts.get("stderr_filler"):
        sys.stderr.write("x" * int(opts["stderr_filler"]) + "\n")
    if opts.get("stderr"):
        sys.stderr.write(opts["stderr"])
    sys.stderr.flush()
    if opts.get("read_app_file"):
        with open(os.path.join(ctx["app"]["root"], opts["read_app_file"]), "rb") as f:
            f.read()
    if opts.get("busy"):
        until = time.monotonic() + float(opts["busy"])
        while time.monotonic() < until:
            pass
    for path, text in sorted(opts.get("app_writes", {}).items()):
        with open(os.path.join(ctx["app"]["root"], path), "w", encoding="utf-8") as f:
            f.write(text)
    for path, seconds in sorted(opts.get("detached_child_writes", {}).items()):
        dest = os.path.join(ctx["app"]["root"], path)
        code = (
            "import os, sys, time; os.setsid(); time.sleep(float(sys.argv[1])); "
            "open(sys.argv[2], 'w').write('leaked\\n')"
        )
        subprocess.Popen([sys.executable, "-c", code, str(seconds), dest], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if opts.get("detached_child_writes"):
        # Time for the children to leave the process group before the stage ends.
        time.sleep(0.5)
    for path, seconds in sorted(opts.get("child_writes", {}).items()):
        dest = os.path.join(ctx["app"]["root"], path)
        code = "import sys, time; time.sleep(float(sys.argv[1])); open(sys.argv[2], 'w').write('leaked\\n')"
        subprocess.Popen([sys.executable, "-c", code, str(seconds), dest])
    if opts.get("dump_context"):
        with open(os.path.join(os.path.dirname(args["--report"]), "..", "context-" + name + ".json"), "w") as f:
            json.dump(ctx, f)
    dep = opts.get("require_facts_from")
    if dep and dep not in ctx["facts"]:
        print(f"stage {name} expected facts from {dep}", file=sys.stderr)
        return 2
    for path, text in sorted(opts.get("files", {}).items()):
        dest = os.path.join(out, path)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    for i in range(int(opts.get("many_files", 0))):
        folder = os.path.join(out, "many", "d%03d" % (i // 100))
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "f%05d.txt" % i), "w", encoding="utf-8") as f:
            f.write("file %d\n" % i)
    for path, size in sorted(opts.get("big_files", {}).items()):
        dest = os.path.join(out, path)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as f:
            f.write(b"z" * int(size))
    for path, hexed in sorted(opts.get("binary", {}).items()):
        dest = os.path.join(out, path)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as f:
            f.write(bytes.fromhex(hexed))
    for path, target in sorted(opts.get("symlink", {}).items()):
        os.symlink(target, os.path.join(out, path))
    if opts.get("signal"):
        os.kill(os.getpid(), int(opts["signal"]))
    if opts.get("crash_after_writing"):
        print("boom: simulated crash", file=sys.stderr)
        return 101
    if opts.get("sleep"):
        time.sleep(float(opts["sleep"]))
    report = {
        "contract_version": opts.get("contract", ctx["contract_version"]),
        "stage": name,
        "facts": opts.get("facts", {"saw_staged": [s["path"] for s in ctx["staged"]]}),
        "findings": opts.get("findings", []),
        "suppressed": opts.get("suppressed", []),
        "rules": opts.get("rules", []),
        "notes": opts.get("notes", []),
    }
    if "report_text" in opts:
        if opts["report_text"]:
            with open(args["--report"], "w", encoding="utf-8") as f:
                f.write(opts["report_text"])
    else:
        with open(args["--report"], "w", encoding="utf-8") as f:
            json.dump(report, f)
    return int(opts.get("exit", 0))


if __name__ == "__main__":
    sys.exit(main())
