//! What the Dockerfile and YAML targets share: the policy with every rule on, and checking a text then rendering
//! its findings as the linter prints them (each source line with secret values masked and a caret under the
//! column), so that any position a rule reports must render.

use std::sync::OnceLock;

use stowage_validate::{Kind, LintResult, Policy, lint_text, output};

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| Policy::from_toml(include_str!("../policy.toml"), "fuzz/policy.toml").expect("valid policy"))
}

pub fn check_and_render(kind: Kind, file: &str, text: &str) {
    let result = LintResult::of_text(file, text, lint_text(kind, file, text, policy()));
    let _ = (output::human(&result, false), output::json(&result));
}
