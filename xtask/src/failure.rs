//! The one exit-code table of every command, and the error type that carries a code to `main`.
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | success |
//! | 1 | findings at or above the threshold, drift, or a protected file (hand edit, existing file not made by stowage) |
//! | 2 | usage, configuration or unreadable input |
//! | 3 | a stage crashed or timed out |

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// Findings at or above the threshold, drift, or a protected file.
    Failed = 1,
    /// Usage, configuration or unreadable input.
    Usage = 2,
    /// A stage crashed or timed out.
    Crash = 3,
}

/// Why a command did not succeed: the message is printed as `error: {message}` and the process exits with `code`.
#[derive(Debug)]
pub struct Failure {
    pub code: Code,
    pub message: String,
}

pub type Result<T, E = Failure> = std::result::Result<T, E>;

impl Failure {
    pub fn failed(message: impl Into<String>) -> Failure {
        Failure { code: Code::Failed, message: message.into() }
    }
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure { code: Code::Usage, message: message.into() }
    }
    pub fn crash(message: impl Into<String>) -> Failure {
        Failure { code: Code::Crash, message: message.into() }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Reads a file, turning an error into a usage failure that names the path.
pub fn read_to_string(path: &std::path::Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))
}

/// The table above, for the generated CLI reference.
pub const TABLE: &str = "\
| code | meaning |
| --- | --- |
| 0 | success |
| 1 | findings at or above the threshold, drift, or a protected file (hand edit, existing file not made by stowage) |
| 2 | usage, configuration or unreadable input; a change to the app that failed and was rolled back; a symlink in the way |
| 3 | a stage crashed or timed out |

Stopped by a signal (Ctrl-C), the runner exits 128 + the signal's number (130 for Ctrl-C), after stopping the running
stage, or after completing or rolling back a change to the app in progress.
";
