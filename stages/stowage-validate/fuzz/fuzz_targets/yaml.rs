//! Any text must be checked as a Kubernetes manifest and as a compose file without a panic, with every rule on
//! (fuzz/policy.toml), and its findings must render.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stowage_validate::Kind;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        common::check_and_render(Kind::Kubernetes, "app.yaml", text);
        common::check_and_render(Kind::Compose, "compose.yaml", text);
    }
});
