"""Renders and lints charts with Helm's own library (helm-python-sdk), for tests/helm.rs.

Reads a JSON list of jobs on stdin: {"chart": DIR, "name": RELEASE, "namespace": NS, "values": {...}, "lint": bool}
and, for kubectl's output, {"manifests": FILE}. Prints one JSON result per job, in order: {"objects": [...],
"manifests": TEXT, "notes": TEXT, "lint": {...}} or {"error": TEXT}. Parsing YAML here keeps the Rust tests free of a YAML reader.
"""
import json
import sys

import helm_python as helm
import yaml


def objects(texts):
    out = []
    for text in texts:
        for doc in yaml.safe_load_all(text):
            if doc:
                out.append(doc)
    return out


def run(job):
    if "manifests" in job:
        with open(job["manifests"], encoding="utf-8") as f:
            return {"objects": objects([f.read()])}
    result = {}
    if job.get("lint"):
        result["lint"] = helm.lint(job["chart"], strict=True, namespace=job["namespace"])
    try:
        with helm.Chart.load(job["chart"]) as chart:
            rendered = chart.render(job.get("values") or {}, name=job["name"], namespace=job["namespace"])
    except helm.HelmError as e:
        result["error"] = str(e)
        return result
    result["notes"] = "".join(v for k, v in sorted(rendered.items()) if k.endswith("NOTES.txt"))
    manifests = [v for k, v in sorted(rendered.items()) if not k.endswith("NOTES.txt")]
    result["objects"] = objects(manifests)
    # The manifests as Helm renders them (block YAML, comments kept), as `helm template` would print them.
    result["manifests"] = "".join(m if m.endswith("\n") else m + "\n" for m in manifests if m.strip())
    return result


json.dump([run(job) for job in json.load(sys.stdin)], sys.stdout, default=str, sort_keys=True)
