"""Prints what checkov judged on a folder: one `file<TAB>check<TAB>resource<TAB>PASSED|FAILED` line per result.

checkov reports only failures, so its findings alone cannot say which objects it looked at. A check it does not
run on a kind (CKV_K8S_21 skips PersistentVolumeClaims), a result it leaves UNKNOWN (CKV_K8S_12 on a container
with `resources.limits` but no `resources.requests`) and a file it cannot parse (a tab after a value) are not
judgements, so the agreement test leaves our findings there out of the comparison.

Usage: checkov_judged.py kubernetes|dockerfile FOLDER CHECK,CHECK,...

With `--failed` first (and no checks), it prints every failure of every check instead, as
`file<TAB>check<TAB>resource<TAB>line`: the pinned peer's findings that `--write-expected` keeps under expected/.
"""

import logging
import os
import sys
import tempfile

logging.disable(logging.CRITICAL)

from checkov.runner_filter import RunnerFilter  # noqa: E402


def main() -> None:
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
    else:
        rows = judged(framework, folder, checks, "", failed_only)
    sys.stdout.write("".join("\t".join(row) + "\n" for row in sorted(rows)))


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
