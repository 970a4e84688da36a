//! Compliance controls: for every automatable control of every framework, and every rule behind it, the rule's
//! fixture pair (`fixtures/<CODE>/bad.*` and `good.*`) turns the control from fail to pass, with that rule alone
//! judging. And the other verdicts: not applicable when nothing the control applies to was checked, not assessed
//! (with the reason) when files cannot show it or the policy disabled its rules.

use std::path::{Path, PathBuf};

use stowage_validate::compliance::{self, ControlStatus, FRAMEWORKS};
use stowage_validate::{Input, Kind, Policy, lint};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The fixture `stem` (`bad` or `good`) of a rule folder, with the kind its name says.
fn fixture(dir: &Path, stem: &str) -> (PathBuf, Kind) {
    for (suffix, kind) in
        [("Dockerfile", Kind::Dockerfile), ("compose.yaml", Kind::Compose), ("yaml", Kind::Kubernetes)]
    {
        let path = dir.join(format!("{stem}.{suffix}"));
        if path.is_file() {
            return (path, kind);
        }
    }
    panic!("no {stem} fixture in {}", dir.display())
}

/// The verdict on `control` of `framework` for one file, with `only` the one rule enabled (as its fixtures are
/// written for).
fn verdict(framework: &str, control: &str, rule: &'static str, stem: &str) -> (ControlStatus, String) {
    let dir = fixtures().join(rule);
    let (path, kind) = fixture(&dir, stem);
    let mut policy = match std::fs::read_to_string(dir.join("policy.toml")) {
        Ok(text) => Policy::from_toml(&text, "policy.toml").unwrap(),
        Err(_) => Policy::default(),
    };
    policy.only = Some(rule);
    let file = path.file_name().unwrap().to_string_lossy().into_owned();
    let result = lint(&[Input { file, path, kind }], &policy);
    let frameworks = compliance::parse(&[framework.to_string()]).unwrap();
    let c = compliance::evaluate(&frameworks, &result, &policy).into_iter().find(|c| c.control == control).unwrap();
    (c.status, c.reason)
}

#[test]
fn fixing_the_finding_turns_each_control_from_fail_to_pass() {
    let mut problems = Vec::new();
    let mut pairs = 0;
    for framework in FRAMEWORKS {
        for control in framework.controls.iter().filter(|c| !c.rules.is_empty()) {
            for rule in control.rules {
                let bad = verdict(framework.id, control.id, rule, "bad");
                let good = verdict(framework.id, control.id, rule, "good");
                if bad.0 != ControlStatus::Fail || good.0 != ControlStatus::Pass {
                    problems.push(format!(
                        "{} {} with {rule}: bad gives {:?} ({}), good gives {:?} ({})",
                        framework.id, control.id, bad.0, bad.1, good.0, good.1
                    ));
                }
                pairs += 1;
            }
        }
    }
    assert!(pairs > 80, "{pairs} fixture pairs");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn other_verdicts_say_why() {
    let dir = fixtures().join("DF006");
    let (path, kind) = fixture(&dir, "bad");
    let policy = Policy::default();
    let result = lint(&[Input { file: "Dockerfile".into(), path, kind }], &policy);
    let names: Vec<String> = FRAMEWORKS.iter().map(|f| f.id.to_string()).collect();
    let controls = compliance::evaluate(&compliance::parse(&names).unwrap(), &result, &policy);
    let find =
        |framework: &str, id: &str| controls.iter().find(|c| c.framework == framework && c.control == id).unwrap();
    // A Dockerfile alone: pod controls have nothing to apply to.
    let pss = find("pss-restricted", "Privileged Containers");
    assert_eq!((pss.status, pss.applicable), (ControlStatus::NotApplicable, 0));
    // The image's file system cannot be seen in a Dockerfile.
    let setuid = find("cis-docker-1.6.0", "4.8");
    assert_eq!(setuid.status, ControlStatus::NotAssessed);
    assert!(setuid.reason.contains("built image"), "{}", setuid.reason);
    // Trusted registries are a policy choice: without one, 4.2's rules are off and it is not assessed.
    let trusted = find("cis-docker-1.6.0", "4.2");
    assert_eq!(trusted.status, ControlStatus::NotAssessed);
    assert!(trusted.reason.contains("disabled by the policy"), "{}", trusted.reason);
    let user = find("cis-docker-1.6.0", "4.1");
    assert_eq!((user.status, user.applicable), (ControlStatus::Fail, 1));
    assert!(compliance::parse(&["cis-docker".to_string()]).unwrap_err().contains("cis-docker-1.6.0"));
}
