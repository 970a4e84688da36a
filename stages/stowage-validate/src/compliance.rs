//! Compliance frameworks, control by control: each control is declared once here, with a title in our own words
//! and the rules whose findings fail it, or the reason no file can show it.
//!
//! A control is `pass` when at least one object it applies to was checked and none of its rules reported there,
//! `fail` when one did, `not-applicable` when nothing it applies to was checked, and `not-assessed` (with the
//! reason) when files cannot show it (runtime flags, the built image, the cluster) or the policy disabled its rules.
//! Findings silenced by an inline ignore do not fail a control.
//!
//! Pinned versions: Pod Security Standards as the pod-security-admission checks of Kubernetes 1.35 define them,
//! CIS Docker Benchmark v1.6.0 (sections 4 and 5), NSA/CISA Kubernetes Hardening Guide v1.2 (August 2022).
//! Control numbers are the documents' own; titles are ours.

use std::collections::BTreeSet;

pub use stowage_render::{ControlResult, ControlStatus};

use crate::{LintResult, Policy, registry};

/// Something a control applies to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    Dockerfile(String),
    Compose(String),
    /// A Kubernetes object that runs pods (`file Kind/name`).
    Pods(String),
    /// A Role, ClusterRole or binding (`file Kind/name`).
    Rbac(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Applies {
    Dockerfile,
    Compose,
    Pods,
    Rbac,
}

impl Applies {
    fn matches(self, subject: &Subject) -> bool {
        matches!(
            (self, subject),
            (Applies::Dockerfile, Subject::Dockerfile(_))
                | (Applies::Compose, Subject::Compose(_))
                | (Applies::Pods, Subject::Pods(_))
                | (Applies::Rbac, Subject::Rbac(_))
        )
    }
}

/// One control: its number in the framework, our title, what it applies to, and either its rules or why files
/// cannot show it.
#[derive(Debug)]
pub struct Control {
    pub id: &'static str,
    pub title: &'static str,
    applies: Applies,
    pub rules: &'static [&'static str],
    pub not_assessed: &'static str,
}

#[derive(Debug)]
pub struct Framework {
    pub id: &'static str,
    pub name: &'static str,
    pub controls: &'static [Control],
}

const fn rules(id: &'static str, title: &'static str, applies: Applies, rules: &'static [&'static str]) -> Control {
    Control { id, title, applies, rules, not_assessed: "" }
}

const fn manual(id: &'static str, title: &'static str, applies: Applies, why: &'static str) -> Control {
    Control { id, title, applies, rules: &[], not_assessed: why }
}

use Applies::{Compose, Dockerfile, Pods, Rbac};

const PSS_BASELINE: &[Control] = &[
    rules("HostProcess", "no Windows HostProcess containers", Pods, &["KS025"]),
    rules("Host Namespaces", "host network, PID and IPC namespaces stay unshared", Pods, &["KS012", "KS013", "KS014"]),
    rules("Privileged Containers", "no privileged containers", Pods, &["KS001"]),
    rules("Capabilities", "only capabilities of the baseline set are added", Pods, &["KS011"]),
    rules("HostPath Volumes", "no hostPath volumes", Pods, &["KS016", "KS017"]),
    rules("Host Ports", "no host ports", Pods, &["KS015"]),
    rules("AppArmor", "AppArmor is not turned off", Pods, &["KS020"]),
    rules("SELinux", "no custom SELinux user or role, only allowed types", Pods, &["KS021"]),
    rules("/proc Mount Type", "the default masked /proc mount", Pods, &["KS022"]),
    rules("Seccomp", "seccomp is not Unconfined", Pods, &["KS019"]),
    rules("Sysctls", "only the safe sysctls", Pods, &["KS023"]),
    rules("Host Probes / Lifecycle Hooks", "probes and hooks do not name a host", Pods, &["KS026"]),
];

const PSS_RESTRICTED: &[Control] = &[
    rules("HostProcess", "no Windows HostProcess containers", Pods, &["KS025"]),
    rules("Host Namespaces", "host network, PID and IPC namespaces stay unshared", Pods, &["KS012", "KS013", "KS014"]),
    rules("Privileged Containers", "no privileged containers", Pods, &["KS001"]),
    rules("HostPath Volumes", "no hostPath volumes", Pods, &["KS016", "KS017"]),
    rules("Host Ports", "no host ports", Pods, &["KS015"]),
    rules("AppArmor", "AppArmor is not turned off", Pods, &["KS020"]),
    rules("SELinux", "no custom SELinux user or role, only allowed types", Pods, &["KS021"]),
    rules("/proc Mount Type", "the default masked /proc mount", Pods, &["KS022"]),
    rules("Sysctls", "only the safe sysctls", Pods, &["KS023"]),
    rules("Host Probes / Lifecycle Hooks", "probes and hooks do not name a host", Pods, &["KS026"]),
    rules("Volume Types", "only volume types the restricted profile lists", Pods, &["KS016", "KS024"]),
    rules("Privilege Escalation", "privilege escalation is turned off", Pods, &["KS002"]),
    rules("Running as Non-root", "containers must run as non-root", Pods, &["KS003"]),
    rules("Running as Non-root user", "no container runs as UID 0", Pods, &["KS004"]),
    rules("Seccomp", "a RuntimeDefault or Localhost seccomp profile is set", Pods, &["KS018", "KS019"]),
    rules(
        "Capabilities",
        "ALL capabilities dropped, at most NET_BIND_SERVICE added",
        Pods,
        &["KS008", "KS010", "KS011"],
    ),
];

const CIS_DOCKER: &[Control] = &[
    rules("4.1", "the image switches to an unprivileged user", Dockerfile, &["DF006", "DF007"]),
    rules("4.2", "base images come from trusted sources", Dockerfile, &["DF004", "DF005"]),
    manual(
        "4.3",
        "no unneeded packages in the image",
        Dockerfile,
        "which packages are needed is a judgement a file cannot show",
    ),
    manual(
        "4.4",
        "images are scanned and rebuilt for security patches",
        Dockerfile,
        "needs a vulnerability scan of the built image",
    ),
    manual(
        "4.5",
        "Docker content trust is on",
        Dockerfile,
        "a setting of the Docker client at build and pull time, not of a file",
    ),
    rules("4.6", "the image declares a HEALTHCHECK", Dockerfile, &["DF013"]),
    rules("4.7", "package index updates are not run alone", Dockerfile, &["DF038"]),
    manual("4.8", "setuid and setgid bits are removed", Dockerfile, "needs the built image's file system"),
    rules("4.9", "COPY is used instead of ADD", Dockerfile, &["DF011", "DF012"]),
    rules("4.10", "no secrets stored in the Dockerfile", Dockerfile, &["DF037", "DF091"]),
    rules(
        "4.11",
        "packages are installed with their signatures checked",
        Dockerfile,
        &["DF068", "DF069", "DF070", "DF071", "DF072"],
    ),
    manual(
        "4.12",
        "signed artifacts are verified",
        Dockerfile,
        "signature verification happens in the registry and at deploy time",
    ),
    manual("5.1", "swarm mode is off unless needed", Compose, "a setting of the Docker host"),
    rules("5.2", "AppArmor is not turned off", Compose, &["CP012"]),
    rules("5.3", "SELinux options are set", Compose, &["CP038"]),
    rules("5.4", "capabilities are restricted", Compose, &["CP009", "CP010"]),
    rules("5.5", "no privileged containers", Compose, &["CP001"]),
    rules("5.6", "sensitive host directories are not mounted", Compose, &["CP003"]),
    manual("5.7", "sshd does not run in containers", Compose, "what runs inside a container is seen only at run time"),
    rules("5.8", "privileged host ports are not mapped", Compose, &["CP021"]),
    manual("5.9", "only needed ports are open", Compose, "which ports are needed is a judgement a file cannot show"),
    rules("5.10", "the host network namespace is not shared", Compose, &["CP004"]),
    rules("5.11", "memory is limited", Compose, &["CP015"]),
    rules("5.12", "CPU use is bounded", Compose, &["CP016"]),
    rules("5.13", "the root file system is read-only", Compose, &["CP013"]),
    rules("5.14", "published ports bind to a chosen host interface", Compose, &["CP020"]),
    rules("5.15", "restarts on failure are bounded", Compose, &["CP028"]),
    rules("5.16", "the host PID namespace is not shared", Compose, &["CP005"]),
    rules("5.17", "the host IPC namespace is not shared", Compose, &["CP006"]),
    rules("5.18", "host devices are not passed through", Compose, &["CP022"]),
    manual(
        "5.19",
        "default ulimits are overridden only when needed",
        Compose,
        "whether an override is needed is a judgement a file cannot show",
    ),
    rules("5.20", "mount propagation is not shared", Compose, &["CP029"]),
    rules("5.21", "the host UTS namespace is not shared", Compose, &["CP008"]),
    rules("5.22", "seccomp is not turned off", Compose, &["CP012"]),
    manual("5.23", "docker exec is not run privileged", Compose, "a command run against a live container"),
    manual("5.24", "docker exec is not run as root", Compose, "a command run against a live container"),
    rules("5.25", "the default cgroup is used", Compose, &["CP030"]),
    rules("5.26", "containers cannot gain new privileges", Compose, &["CP011"]),
    rules("5.27", "container health is checked", Compose, &["CP018", "CP019"]),
    rules("5.28", "images are referenced by a fixed version", Compose, &["CP023"]),
    rules("5.29", "the number of processes is limited", Compose, &["CP017"]),
    rules("5.30", "the default bridge network is not used", Compose, &["CP035"]),
    rules("5.31", "the host user namespace is not shared", Compose, &["CP007"]),
    rules("5.32", "the container engine socket is not mounted", Compose, &["CP002"]),
];

const NSA_CISA: &[Control] = &[
    rules("non-root", "containers run as non-root users", Pods, &["KS003", "KS004"]),
    rules("immutable-filesystem", "container file systems are read-only", Pods, &["KS007"]),
    rules("privileged", "no privileged containers", Pods, &["KS001"]),
    rules(
        "host-namespaces",
        "host process, IPC and network namespaces are not shared",
        Pods,
        &["KS012", "KS013", "KS014"],
    ),
    rules("root-group", "containers do not run with the root group", Pods, &["KS005"]),
    rules("privilege-escalation", "privilege escalation is turned off", Pods, &["KS002"]),
    rules("capabilities", "capabilities are dropped", Pods, &["KS008", "KS010"]),
    rules("selinux", "no custom SELinux options", Pods, &["KS021"]),
    rules("apparmor", "AppArmor is not turned off", Pods, &["KS020"]),
    rules("seccomp", "a seccomp profile is set", Pods, &["KS018", "KS019"]),
    rules("service-account-token", "service account tokens are mounted only where needed", Pods, &["KS043"]),
    rules("resource-limits", "containers have memory requests and limits", Pods, &["KS031", "KS033"]),
    rules("secrets", "no secrets in plain environment values", Pods, &["KS047"]),
    rules("rbac", "RBAC grants no wildcards or cluster-admin", Rbac, &["KS062", "KS063"]),
    manual(
        "network-policies",
        "a default-deny NetworkPolicy covers every pod",
        Pods,
        "needs the cluster's NetworkPolicies and CNI",
    ),
    manual(
        "control-plane",
        "the control plane, etcd and kubelets are hardened",
        Pods,
        "cluster configuration, not application files",
    ),
    manual("audit-logging", "audit logs are kept and watched", Pods, "cluster configuration, not application files"),
];

pub static FRAMEWORKS: &[Framework] = &[
    Framework {
        id: "pss-baseline",
        name: "Pod Security Standards, baseline (Kubernetes 1.35)",
        controls: PSS_BASELINE,
    },
    Framework {
        id: "pss-restricted",
        name: "Pod Security Standards, restricted (Kubernetes 1.35)",
        controls: PSS_RESTRICTED,
    },
    Framework { id: "cis-docker-1.6.0", name: "CIS Docker Benchmark v1.6.0, sections 4 and 5", controls: CIS_DOCKER },
    Framework { id: "nsa-cisa-k8s-1.2", name: "NSA/CISA Kubernetes Hardening Guide v1.2", controls: NSA_CISA },
];

pub fn find(id: &str) -> Option<&'static Framework> {
    FRAMEWORKS.iter().find(|f| f.id.eq_ignore_ascii_case(id))
}

/// Checks names given by a user: every one must name a framework.
pub fn parse(names: &[String]) -> Result<Vec<&'static Framework>, String> {
    names
        .iter()
        .map(|n| {
            find(n).ok_or_else(|| {
                let known: Vec<&str> = FRAMEWORKS.iter().map(|f| f.id).collect();
                format!("unknown compliance framework `{n}`; use {}", known.join(", "))
            })
        })
        .collect()
}

/// Every control of `frameworks`, judged on a lint result.
pub fn evaluate(frameworks: &[&Framework], result: &LintResult, policy: &Policy) -> Vec<ControlResult> {
    let mut out = Vec::new();
    for framework in frameworks {
        for control in framework.controls {
            let applicable = result.subjects.iter().filter(|s| control.applies.matches(s)).count();
            let enabled: Vec<&str> = control
                .rules
                .iter()
                .copied()
                .filter(|c| registry::find(c).is_some_and(|r| policy.enabled(r)))
                .collect();
            let failing_files: BTreeSet<&str> = result
                .findings
                .iter()
                .filter(|f| enabled.contains(&f.rule.as_str()))
                .map(|f| f.file.as_str())
                .collect();
            let failing = result.findings.iter().filter(|f| enabled.contains(&f.rule.as_str())).count();
            let (status, reason) = if !control.not_assessed.is_empty() {
                (ControlStatus::NotAssessed, control.not_assessed.to_string())
            } else if enabled.is_empty() {
                (
                    ControlStatus::NotAssessed,
                    format!("its rules ({}) are disabled by the policy", control.rules.join(", ")),
                )
            } else if applicable == 0 {
                (ControlStatus::NotApplicable, "nothing it applies to was checked".to_string())
            } else if failing > 0 {
                let files: Vec<&str> = failing_files.into_iter().collect();
                (ControlStatus::Fail, format!("reported in {}", files.join(", ")))
            } else {
                (ControlStatus::Pass, String::new())
            };
            out.push(ControlResult {
                framework: framework.id.to_string(),
                control: control.id.to_string(),
                title: control.title.to_string(),
                status,
                reason,
                rules: control.rules.iter().map(|r| r.to_string()).collect(),
                applicable,
                findings: failing,
            });
        }
    }
    out
}
