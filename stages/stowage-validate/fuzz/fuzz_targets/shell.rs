//! Any text must be split into shell commands without a panic, and the commands' words must be slices of it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let script = stowage_validate::shell::parse(text);
        let _ = script.has_pipe();
        let _ = stowage_validate::shell::words(text);
    }
});
