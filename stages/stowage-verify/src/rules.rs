//! The one place that declares the verify gate's rules (the `VF` family): code, severity, title, why, fix.
//! Findings carry their [`RuleInfo`] from here, and the pages under `docs/rules/VF*.md` are generated from this
//! table (`UPDATE_EXPECT=1 cargo test -p stowage-verify --test docs`).

use std::fmt::Write;

use stowage_kit::{RuleInfo, Severity};

pub struct Rule {
    pub code: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub rationale: &'static str,
    pub fix: &'static str,
}

pub const BUILD_FAILED: &str = "VF001";
pub const EXITED: &str = "VF002";
pub const NEVER_HEALTHY: &str = "VF003";
pub const RUNS_AS_ROOT: &str = "VF004";
pub const KEEPS_CAPABILITIES: &str = "VF005";
pub const NEW_PRIVILEGES: &str = "VF006";
pub const HARDENING_NOT_APPLIED: &str = "VF007";
pub const WORKER_STOPPED: &str = "VF008";
pub const CLI_FAILED: &str = "VF009";
pub const SLOW_STOP: &str = "VF010";
pub const SECRET_IN_LAYER: &str = "VF011";

pub const RULES: &[Rule] = &[
    Rule {
        code: BUILD_FAILED,
        severity: Severity::Error,
        title: "the image does not build",
        rationale: "A Dockerfile that looks right is not an image. The gate builds each generated Dockerfile with the \
                    engine, from the staged Dockerfile and ignore file (never the app's own), so a step that fails \
                    on a real engine is caught before it reaches CI or a release.",
        fix: "Read the build log tail in the finding: it names the failing step and its Dockerfile line. Fix the app \
              (a missing lockfile, a build script that needs a file the ignore file leaves out) or the template \
              override that produced the step, then run `containerize --verify` again.",
    },
    Rule {
        code: EXITED,
        severity: Severity::Error,
        title: "the container exits before it is healthy",
        rationale: "The image built, but its process stopped under the hardened run (read-only root filesystem, no \
                    capabilities, no-new-privileges, memory and CPU limits): it would crash-loop in production the \
                    same way.",
        fix: "Read the container's log tail in the finding. A write to a read-only path needs a writable path \
              (`[stages.analyze]` writable paths get a tmpfs here and an emptyDir in Kubernetes); a missing \
              setting needs its environment variable; a crash at start is the app's.",
    },
    Rule {
        code: NEVER_HEALTHY,
        severity: Severity::Error,
        title: "the container never becomes healthy",
        rationale: "The process kept running but its health endpoint never answered 2xx (or its port never accepted \
                    a connection) within the health timeout: probes would fail and an orchestrator would restart it.",
        fix: "Check the port and health path the analysis found (docs/containerization.md) against what the app \
              serves; set them in `[stages.analyze.services.NAME]` when the analysis is wrong, or raise \
              `[stages.verify] health_timeout_seconds` for a slow start.",
    },
    Rule {
        code: RUNS_AS_ROOT,
        severity: Severity::Error,
        title: "the container's process runs as root",
        rationale: "Read from /proc/<pid>/status of the container's PID 1, not from the image config: the process \
                    really runs with user id 0, so a container escape starts as root.",
        fix: "Keep a numeric non-root `USER` in the runtime stage (`[stages.dockerfile] uid`), and do not switch back \
              to root in an entrypoint script.",
    },
    Rule {
        code: KEEPS_CAPABILITIES,
        severity: Severity::Error,
        title: "the container's process keeps capabilities",
        rationale: "All capabilities were dropped for the run, yet /proc/<pid>/status of PID 1 shows a non-zero \
                    effective set (CapEff): the engine or the image gives them back (file capabilities, a setuid \
                    binary).",
        fix: "Remove file capabilities (`setcap`) and setuid bits from the runtime image; bind to a port above 1023 \
              rather than adding NET_BIND_SERVICE.",
    },
    Rule {
        code: NEW_PRIVILEGES,
        severity: Severity::Error,
        title: "no-new-privileges is not in effect",
        rationale: "The run asked for no-new-privileges, but /proc/<pid>/status of PID 1 shows NoNewPrivs 0: a setuid \
                    binary in the image could still raise privileges.",
        fix: "Use an engine that honours `--security-opt no-new-privileges` (podman 4.3+, Docker 20.10+), and check \
              that nothing in the image re-executes through a wrapper that resets it.",
    },
    Rule {
        code: HARDENING_NOT_APPLIED,
        severity: Severity::Error,
        title: "the engine did not apply the hardened settings",
        rationale: "`inspect` of the running container shows a writable root filesystem or no memory limit although \
                    the run asked for both: what the manifests promise would not hold on this engine.",
        fix: "Update the engine, or run rootful where a rootless setup cannot set cgroup limits (cgroup v2 with the \
              memory controller delegated).",
    },
    Rule {
        code: WORKER_STOPPED,
        severity: Severity::Error,
        title: "the worker does not keep running",
        rationale: "A worker has no port to probe; it is up when it keeps running for 10 seconds without a restart. \
                    This one exited under the hardened run.",
        fix: "Read the container's log tail in the finding; a worker that needs its broker is judged with its \
              backing services instead (the compose smoke test).",
    },
    Rule {
        code: CLI_FAILED,
        severity: Severity::Error,
        title: "the command-line image does not run",
        rationale: "A CLI image passes when `--version`, else `--help`, exits 0 with output under the hardened run; \
                    this one did neither.",
        fix: "Check the image's ENTRYPOINT names the installed program and that the program starts without a \
              writable root filesystem.",
    },
    Rule {
        code: SLOW_STOP,
        severity: Severity::Warning,
        title: "the container does not stop on SIGTERM",
        rationale: "The engine sent SIGTERM and had to kill the container after its grace period: the process is PID \
                    1 and ignores SIGTERM (PID 1 gets no default signal handlers), so every deploy and scale-down \
                    waits out the grace period and cuts requests off instead of draining them.",
        fix: "Handle SIGTERM in the app (most servers do: gunicorn, uvicorn, node with a handler), or run the process \
              under an init (`init: true` in compose, `--init`, or `tini` as ENTRYPOINT).",
    },
    Rule {
        code: SECRET_IN_LAYER,
        severity: Severity::Error,
        title: "a secret file of the app is in an image layer",
        rationale: "The gate lists the app's secret files in the build context (`.env`, private keys, keystores) and \
                    reads every layer of the built image for them: a file copied in, even one deleted by a later \
                    layer, ships to everyone who can pull the image. The ignore file is what keeps them out of the \
                    build context.",
        fix: "Keep the file out of the build context: the generated .dockerignore lists `**/.env`, `**/*.pem`, \
              `**/*.key` and the like; check that a `<Dockerfile>.dockerignore` of the app does not replace it \
              without them, and that no COPY names the file. Then rotate the secret: it has been in an image.",
    },
];

pub fn find(code: &str) -> &'static Rule {
    RULES.iter().find(|r| r.code == code).expect("every VF code is declared in RULES")
}

/// What the runner needs to render a finding of `code` in any format.
pub fn info(code: &str) -> RuleInfo {
    let rule = find(code);
    RuleInfo {
        code: rule.code.to_string(),
        title: rule.title.to_string(),
        severity: rule.severity,
        help: rule.fix.to_string(),
        doc: format!("docs/rules/{}.md", rule.code),
        peers: Vec::new(),
        security: matches!(
            rule.code,
            RUNS_AS_ROOT | KEEPS_CAPABILITIES | NEW_PRIVILEGES | HARDENING_NOT_APPLIED | SECRET_IN_LAYER
        ),
    }
}

/// The page of one rule, in Markdown.
pub fn page(rule: &Rule) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}: {}\n", rule.code, rule.title);
    let _ = writeln!(s, "- Target: image (the verify gate, `containerize --verify`)");
    let _ = writeln!(s, "- Severity: {}", rule.severity);
    let _ = writeln!(s, "\n## Why\n\n{}\n", rule.rationale);
    let _ = writeln!(s, "## Fix\n\n{}\n", rule.fix);
    let _ = writeln!(s, "## Equivalent checks\n");
    let _ = writeln!(s, "None: hadolint, checkov and kube-linter read files; this gate builds and runs the image.");
    s
}

/// Every page, as (file name, text).
pub fn pages() -> Vec<(String, String)> {
    RULES.iter().map(|r| (format!("{}.md", r.code), page(r))).collect()
}
