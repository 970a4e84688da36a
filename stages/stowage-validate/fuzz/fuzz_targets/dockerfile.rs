//! Any text must be checked as a Dockerfile without a panic, with every rule on (fuzz/policy.toml).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use stowage_validate::{Kind, Policy, lint_text};

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| Policy::from_toml(include_str!("../policy.toml"), "fuzz/policy.toml").expect("valid policy"))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = lint_text(Kind::Dockerfile, "Dockerfile", text, policy());
    }
});
