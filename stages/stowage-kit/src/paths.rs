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

/// Converts CRLF and lone CR to LF, so that generated text is the same on every machine.
pub fn normalize_newlines(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_string();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::check_output_path;

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
