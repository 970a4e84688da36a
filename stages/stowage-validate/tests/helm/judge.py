"""Runs Helm's own library (helm-python-sdk, in the judges venv made by `cargo xtask judges`) on one chart.

Usage: python judge.py CHART [VALUES.yaml]

Prints one JSON object on stdout:
  lint:          helm lint's report on the chart with its own values ({"errors": [...], "messages": [...]})
  load_error:    why the chart cannot be loaded, or null
  schema_error:  why the values (coalesced over the defaults) fail values.schema.json, or null
  render_error:  why the templates fail to render with those values, or null
  rendered:      template path -> rendered manifest text (empty when rendering failed)

The release is named `rel` in namespace `ns`, so that tests can tell a hard-coded namespace from the release's.
Helm's messages go into the JSON as they are; the Rust test (tests/helm.rs) decides what they mean.
"""

import json
import sys

import helm_python as helm


def main():
    chart_path, value_files = sys.argv[1], sys.argv[2:3]
    report = {"lint": None, "load_error": None, "schema_error": None, "render_error": None, "rendered": {}}
    try:
        lint = helm.lint(chart_path, namespace="ns")
        report["lint"] = {"errors": lint.get("errors") or [], "messages": lint.get("messages") or []}
    except helm.HelmError as e:
        # Lint findings are data; only input it cannot read at all raises. That is an error to report too.
        report["lint"] = {"errors": [str(e)], "messages": []}
    try:
        chart = helm.Chart.load(chart_path)
    except helm.HelmError as e:
        report["load_error"] = str(e)
        print(json.dumps(report, sort_keys=True))
        return
    with chart:
        # Like `helm install -f VALUES`: Helm itself coalesces these over the chart's defaults (a null deletes).
        values = {}
        for path in value_files:
            with open(path, encoding="utf-8") as f:
                values = helm.values_from_yaml(f.read()) or {}
        try:
            chart.validate_schema(values)
        except helm.HelmError as e:
            report["schema_error"] = str(e)
        try:
            report["rendered"] = chart.render(values, name="rel", namespace="ns", is_install=True)
        except helm.HelmError as e:
            report["render_error"] = str(e)
    print(json.dumps(report, sort_keys=True))


if __name__ == "__main__":
    main()
