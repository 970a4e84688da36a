//! Rules for the paths a stage may write, shared by stages (to fail early) and the runner (to enforce).

/// Checks that `path` is a plain app-relative path: `/` separators, no empty, `.` or `..` components, not absolute,
/// no `.git` component (in any case), and not the runner's own lock file or the app's stowage.toml. Returns why not.
pub fn check_output_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("empty path".into());
    }
    if path.starts_with('/') || path.starts_with('\\') || path.as_bytes().get(1) == Some(&b':') {
        return Err(format!("absolute path `{path}`: output paths are relative to the app root"));
    }
    if path.chars().any(char::is_control) {
        return Err(format!("control character in {path:?}: file names are plain text"));
    }
    if path.contains('\\') {
        return Err(format!("backslash in `{path}`: use `/` as the separator"));
    }
    for component in path.split('/') {
        match component {
            "" => return Err(format!("empty component in `{path}`")),
            "." | ".." => {
                return Err(format!("`{component}` in `{path}`: paths must not leave or re-enter the app root"));
            }
            _ => {}
        }
    }
    // Compared without case: on a case-insensitive file system `Stowage.lock` is the lock.
    let lower = path.to_ascii_lowercase();
    // Any `.git` component, not only the top one: `libs/inner/.git/hooks/pre-commit` is a nested repository's hook,
    // which git would run; `x/.GIT` is `.git` on a case-insensitive file system.
    if lower.split('/').any(|c| c == ".git") {
        return Err(format!("`{path}` is inside `.git`, which belongs to version control"));
    }
    if lower == "stowage.lock" {
        return Err("`stowage.lock` belongs to the runner".into());
    }
    if lower == "stowage.toml" {
        return Err(
            "`stowage.toml` belongs to the app's owners: stages read their configuration, never write it".into()
        );
    }
    Ok(())
}

/// Checks the file a finding names: empty (the app as a whole) or a plain app-relative path (no absolute path, no
/// `.`/`..`/empty component, no backslash or control character), so that a report cannot point outside the app or
/// forge lines in a terminal. Returns why not.
pub fn check_finding_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Ok(());
    }
    if path.starts_with('/') || path.as_bytes().get(1) == Some(&b':') {
        return Err(format!("absolute path `{}`: findings name app-relative files", escape_controls(path)));
    }
    if path.contains('\\') || path.chars().any(char::is_control) {
        return Err(format!("`{}` is not a plain path: use `/` and no control characters", escape_controls(path)));
    }
    if path.split('/').any(|c| matches!(c, "" | "." | "..")) {
        return Err(format!("`{path}` leaves the app or has an empty component"));
    }
    Ok(())
}

/// Checks a rule code's shape: one to ten capital letters, then one to six digits, with a hyphen between them in
/// the codes of team rules (`DF002`, `KS047`, `T001`, `PLAT-001`).
pub fn check_rule_code(code: &str) -> Result<(), String> {
    let letters = code.chars().take_while(char::is_ascii_uppercase).count();
    let hyphen = usize::from(code[letters..].starts_with('-'));
    let digits = code[letters + hyphen..].chars().take_while(char::is_ascii_digit).count();
    if (1..=10).contains(&letters) && (1..=6).contains(&digits) && letters + hyphen + digits == code.len() {
        Ok(())
    } else {
        Err(format!(
            "rule code `{}` is not one to ten capital letters, an optional hyphen and one to six digits",
            escape_controls(code)
        ))
    }
}

/// Text for a terminal: every control character but the tab is shown escaped (`\n`, `\r`, `\u{1b}`), so that text
/// from files, stages or findings can neither run escape sequences nor forge lines.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\t') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Converts CRLF and lone CR to LF, so that generated text is the same on every machine.
pub fn normalize_newlines(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_string();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// A name as one component of an image reference's path (lowercase letters, digits, `.`, `_`, `-`, `/`; anything
/// else becomes `-`): how the verify gate names and labels an app's images, and how `clean` finds them.
pub fn image_component(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '.' | '_' | '-' | '/') => c,
            _ => '-',
        })
        .collect();
    let trimmed = cleaned.trim_matches(|c| c == '-' || c == '.' || c == '/' || c == '_');
    if trimmed.is_empty() { "app".into() } else { trimmed.to_string() }
}

#[cfg(test)]
mod tests {
    use super::{check_finding_path, check_output_path, check_rule_code, escape_controls, image_component};

    #[test]
    fn image_components() {
        assert_eq!(image_component("go-cmd-fiber/api"), "go-cmd-fiber/api");
        assert_eq!(image_component("My App"), "my-app");
        assert_eq!(image_component("--"), "app");
    }

    #[test]
    fn findings_and_terminal_text() {
        for ok in ["", "Dockerfile", "deploy/app.yaml", "stowage.toml"] {
            assert_eq!(check_finding_path(ok), Ok(()), "{ok}");
        }
        for bad in ["../../etc/passwd", "/etc/passwd", "a/./b", "a\nerror: forged", "a\\b", "a//b"] {
            assert!(check_finding_path(bad).is_err(), "{bad}");
        }
        for ok in ["DF002", "T001", "KS047", "GN002", "PLAT-001", "DF-002"] {
            assert_eq!(check_rule_code(ok), Ok(()), "{ok}");
        }
        for bad in ["", "df002", "DF", "002", "DF002x", "DF--002", "-002", "PLAT-", "D\u{1b}F002", "ABCDEFGHIJK1"] {
            assert!(check_rule_code(bad).is_err(), "{bad}");
        }
        assert_eq!(escape_controls("a\tb"), "a\tb");
        assert_eq!(escape_controls("x\u{1b}[31mred\nerror: forged\r"), "x\\u{1b}[31mred\\nerror: forged\\r");
    }

    #[test]
    fn output_paths() {
        for ok in ["Dockerfile", "deploy/k8s/app.yaml", ".dockerignore", "a..b/c", "x/.github/ci.yml", "a.git/b"] {
            assert_eq!(check_output_path(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "./a",
            "a\\b",
            "C:x",
            "stowage.lock",
            "stowage.toml",
            "Stowage.Lock",
            ".git/config",
            "libs/inner/.git/hooks/pre-commit",
            "x/.GIT/hooks/post-checkout",
            "a/.Git",
            "a\nb",
        ] {
            assert!(check_output_path(bad).is_err(), "{bad}");
        }
    }
}
