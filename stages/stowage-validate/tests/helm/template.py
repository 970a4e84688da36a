"""`helm template NAME CHART --namespace NS`, through Helm's own library (helm-python-sdk), for tests/rendered.rs:
the validate gate's `helm_template` command where no helm binary is installed. Prints the rendered manifests as
`helm template` does (NOTES.txt left out); exits 1 with Helm's message when the chart does not render."""
import sys

import helm_python as helm

args = sys.argv[1:]
namespace = "default"
if "--namespace" in args:
    i = args.index("--namespace")
    namespace = args[i + 1]
    del args[i : i + 2]
name, chart = args
try:
    with helm.Chart.load(chart) as c:
        rendered = c.render({}, name=name, namespace=namespace)
except helm.HelmError as e:
    print(f"Error: {e}", file=sys.stderr)
    sys.exit(1)
for path in sorted(rendered):
    if path.endswith("NOTES.txt") or not rendered[path].strip():
        continue
    print(f"---\n# Source: {path}\n{rendered[path].strip()}")
