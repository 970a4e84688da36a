//! Unified diffs of drifted files, coloured on a terminal (NO_COLOR respected).

use std::io::IsTerminal;

use similar::TextDiff;

/// Should output to stdout be coloured? `NO_COLOR` (any value) turns colour off, `CLICOLOR_FORCE` turns it on.
pub fn color_stdout() -> bool {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return false;
    }
    if std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0") {
        return true;
    }
    std::io::stdout().is_terminal()
}

/// A unified diff from what the app holds to what stowage generates, with CRLF folded so that line endings alone
/// never show as a change.
pub fn unified(path: &str, old: Option<&[u8]>, new: Option<&[u8]>, color: bool) -> String {
    let binary = |b: Option<&[u8]>| b.is_some_and(|b| std::str::from_utf8(b).is_err() || b.contains(&0));
    if binary(old) || binary(new) {
        let name =
            |b: Option<&[u8]>, side: &str| if b.is_some() { format!("{side}/{path}") } else { "/dev/null".into() };
        return format!("Binary files {} and {} differ\n", name(old, "a"), name(new, "b"));
    }
    // Control characters are shown escaped, line breaks aside: a file's bytes never run escape sequences in the
    // terminal that shows its diff.
    let text = |b: Option<&[u8]>| {
        b.map(|b| {
            let text = stowage_kit::normalize_newlines(&String::from_utf8_lossy(b));
            text.split('\n').map(stowage_kit::escape_controls).collect::<Vec<_>>().join("\n")
        })
        .unwrap_or_default()
    };
    let (old_text, new_text) = (text(old), text(new));
    let old_name = if old.is_some() { format!("a/{path}") } else { "/dev/null".to_string() };
    let new_name = if new.is_some() { format!("b/{path}") } else { "/dev/null".to_string() };
    let diff = TextDiff::configure()
        .algorithm(similar::Algorithm::Patience)
        .timeout(std::time::Duration::from_millis(200))
        .diff_lines(&old_text, &new_text);
    let body = diff.unified_diff().context_radius(3).header(&old_name, &new_name).to_string();
    if !color {
        return body;
    }
    body.lines()
        .map(|line| {
            let code = if line.starts_with("+++") || line.starts_with("---") {
                "1"
            } else if line.starts_with('+') {
                "32"
            } else if line.starts_with('-') {
                "31"
            } else if line.starts_with("@@") {
                "36"
            } else {
                return format!("{line}\n");
            };
            format!("\x1b[{code}m{line}\x1b[0m\n")
        })
        .collect()
}
