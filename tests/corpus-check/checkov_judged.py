"""Prints what checkov judged on a folder: one `file<TAB>check<TAB>resource<TAB>PASSED|FAILED` line per result.

checkov reports only failures, so its findings alone cannot say which objects it looked at. A check it does not
run on a kind (CKV_K8S_21 skips PersistentVolumeClaims), a result it leaves UNKNOWN (CKV_K8S_12 on a container
with `resources.limits` but no `resources.requests`) and a file it cannot parse (a tab after a value) are not
judgements, so the agreement test leaves our findings there out of the comparison.

Usage: checkov_judged.py kubernetes|dockerfile FOLDER CHECK,CHECK,...

With `--failed` first (and no checks), it prints every failure of every check instead, as
`file<TAB>check<TAB>resource<TAB>line`: the pinned peer's findings that `--write-expected` keeps under expected/.

With `--groups PROVENANCE.tsv` last, Kubernetes files are judged one group at a time: the files sharing an
`owner__repo__dir` prefix, rebuilt into a folder under their original names, so that checks across objects
(CKV2_K8S_6: every Pod selected by a NetworkPolicy) see one folder of manifests, as a user's run would.
"""

import logging
import os
import sys
import tempfile

logging.disable(logging.CRITICAL)

from checkov.runner_filter import RunnerFilter  # noqa: E402


def main() -> None:
    groups = None
    if len(sys.argv) > 2 and sys.argv[-2] == "--groups":
        groups = read_groups(sys.argv[-1])
        del sys.argv[-2:]
    failed_only = sys.argv[1] == "--failed"
    if failed_only:
        framework, folder, checks = sys.argv[2], sys.argv[3], None
    else:
        framework, folder, checks = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
    if framework == "dockerfile":
        # checkov finds Dockerfiles by name; the corpus names them owner__repo__path, so give each the suffix
        # it looks for (as when the expected findings were made).
        with tempfile.TemporaryDirectory() as root:
            for name in os.listdir(folder):
                os.symlink(os.path.join(folder, name), os.path.join(root, name + ".Dockerfile"))
            rows = judged(framework, root, checks, ".Dockerfile", failed_only)
    elif groups is not None:
        rows = set()
        for prefix, files in sorted(groups.items()):
            with tempfile.TemporaryDirectory() as root:
                for name, base in files:
                    os.symlink(os.path.join(folder, name), os.path.join(root, base))
                for row in judged(framework, root, checks, "", failed_only):
                    rows.add((prefix + row[0],) + row[1:])
    else:
        rows = judged(framework, folder, checks, "", failed_only)
    sys.stdout.write("".join("\t".join(row) + "\n" for row in sorted(rows)))


def read_groups(provenance: str) -> dict[str, list[tuple[str, str]]]:
    """The Kubernetes files of a corpus by group prefix, each as (corpus name, original file name)."""
    import csv

    groups: dict[str, list[tuple[str, str]]] = {}
    with open(provenance, newline="") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if r["kind"] != "k8s":
                continue
            name = r["file"].split("/", 1)[1]
            base = os.path.basename(r["path"])
            groups.setdefault(name[: len(name) - len(base)], []).append((name, base))
    return groups


def judged(
    framework: str, root: str, checks: list[str] | None, suffix: str, failed_only: bool = False
) -> set[tuple[str, str, str, str]]:
    if framework == "dockerfile":
        from checkov.dockerfile.runner import Runner
    else:
        from checkov.kubernetes.runner import Runner
    runner_filter = RunnerFilter(framework=[framework], checks=checks) if checks else RunnerFilter(framework=[framework])
    report = Runner().run(root_folder=root, runner_filter=runner_filter)
    if report.parsing_errors:
        print("unparsed: " + " ".join(sorted(report.parsing_errors)), file=sys.stderr)
    rows = set()
    for result in report.failed_checks if failed_only else report.passed_checks + report.failed_checks:
        name = os.path.basename(result.file_path)
        name = name[: len(name) - len(suffix)] if suffix and name.endswith(suffix) else name
        if failed_only:
            # checkov names a Dockerfile resource by its path under the scanned root, with a leading `/`.
            resource = result.resource.lstrip("/")
            rows.add((name, result.check_id, resource, str(result.file_line_range[0])))
            continue
        resource = result.resource if framework == "kubernetes" else ""
        rows.add((name, result.check_id, resource, result.check_result["result"].name))
    return rows

if __name__ == "__main__":
    main()
