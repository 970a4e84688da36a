//! The glob patterns of `exclude` and `unmanaged` in stowage.toml, matched against app-relative paths.
//!
//! Written here rather than taken from globset: the patterns are tiny (`*`, `**`, `?` over `/`-separated
//! paths), every stage needs them, and globset would bring the regex engine into every stage binary.

/// Does the app-relative `path` match `pattern`?
/// `*` and `?` stay within one path segment, `**` spans any number of segments, and a pattern that matches a
/// folder also matches everything below it (`vendor` excludes `vendor/a/b.js`).
pub fn glob_match(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
    let pat: Vec<&str> = pattern.split('/').collect();
    let segs: Vec<&str> = path.split('/').collect();
    // A folder match covers everything below the folder.
    (0..=segs.len()).any(|n| n > 0 && match_segments(&pat, &segs[..n]))
}

/// Does `path` match `pattern` exactly, without the folder rule (`apps/*` names `apps/web`, not `apps/web/src`)?
/// For lists of workspace members.
pub fn glob_match_exact(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
    let pat: Vec<&str> = pattern.split('/').collect();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
    match_segments(&pat, &segs)
}

/// True when any of `patterns` matches `path`.
pub fn any_glob_match(patterns: &[String], path: &str) -> bool {
    patterns.iter().any(|p| glob_match(p, path))
}

fn match_segments(pat: &[&str], segs: &[&str]) -> bool {
    match pat.split_first() {
        None => segs.is_empty(),
        Some((&"**", rest)) => (0..=segs.len()).any(|skip| match_segments(rest, &segs[skip..])),
        Some((first, rest)) => match segs.split_first() {
            Some((seg, seg_rest)) => match_one(first.as_bytes(), seg.as_bytes()) && match_segments(rest, seg_rest),
            None => false,
        },
    }
}

fn match_one(pat: &[u8], text: &[u8]) -> bool {
    match pat.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| match_one(rest, &text[skip..])),
        Some((b'?', rest)) => !text.is_empty() && match_one(rest, &text[1..]),
        Some((c, rest)) => text.first() == Some(c) && match_one(rest, &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        let cases = [
            ("tests/fixtures/**", "tests/fixtures/apps/x/package.json", true),
            ("tests/fixtures", "tests/fixtures/apps/x", true),
            ("tests/fixtures/**", "tests/fixture", false),
            ("*.md", "README.md", true),
            ("*.md", "docs/README.md", false),
            ("**/*.md", "docs/README.md", true),
            ("**/node_modules", "web/node_modules/a/b.js", true),
            ("vendor/", "vendor/x.go", true),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("./docs/*", "docs/x", true),
        ];
        for (pattern, path, expected) in cases {
            assert_eq!(glob_match(pattern, path), expected, "{pattern} ~ {path}");
        }
        assert!(super::glob_match_exact("apps/*", "apps/web"));
        assert!(!super::glob_match_exact("apps/*", "apps/web/src"));
    }
}
