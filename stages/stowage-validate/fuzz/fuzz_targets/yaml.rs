//! Any text must be checked as a Kubernetes manifest and as a compose file without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stowage_validate::{Kind, Policy, lint_text};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = lint_text(Kind::Kubernetes, "app.yaml", text, &Policy::default());
        let _ = lint_text(Kind::Compose, "compose.yaml", text, &Policy::default());
    }
});
