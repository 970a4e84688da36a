//! Any text must be checked as a Dockerfile without a panic, with every rule on (fuzz/policy.toml), and its
//! findings must render.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use stowage_validate::{Kind, LintResult, Policy, lint_text, output};

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| Policy::from_toml(include_str!("../policy.toml"), "fuzz/policy.toml").expect("valid policy"))
}

/// Renders the findings as the linter prints them: each finding's source line (secret values masked) and a caret
/// under its column, so any position a rule reports must render.
fn render(file: &str, text: &str, findings: Vec<stowage_validate::Finding>) {
    let result = LintResult::of_text(file, text, findings);
    let _ = (output::human(&result, false), output::json(&result));
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        render("Dockerfile", text, lint_text(Kind::Dockerfile, "Dockerfile", text, policy()));
    }
});
