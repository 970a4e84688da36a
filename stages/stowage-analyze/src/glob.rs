//! Workspace member patterns (npm, pnpm, uv, Cargo): `apps/*`, `crates/**`.
//!
//! `exclude` uses stowage-kit's matcher; member lists need an exact match (a member pattern `apps/*` names
//! `apps/web`, not `apps/web/src`), which that matcher's folder rule does not give.

#[derive(Debug, Clone)]
pub struct Glob {
    segments: Vec<String>,
}

impl Glob {
    /// Parses a `/`-separated pattern; a leading `./` or `/` and a trailing `/` are ignored.
    pub fn new(pattern: &str) -> Glob {
        let trimmed = pattern.trim().trim_start_matches("./").trim_start_matches('/').trim_end_matches('/');
        Glob { segments: trimmed.split('/').filter(|s| !s.is_empty() && *s != ".").map(str::to_string).collect() }
    }

    /// Whether the app-relative `path` matches. A pattern that matches a folder matches everything under it, so
    /// `tests/fixtures` and `tests/fixtures/**` both exclude the whole folder.
    pub fn matches(&self, path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        (1..=parts.len()).any(|n| match_segments(&self.segments, &parts[..n]))
    }

    /// Whether `path` matches exactly, without the folder rule (for workspace member lists).
    pub fn matches_exactly(&self, path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
        match_segments(&self.segments, &parts)
    }
}

fn match_segments(pattern: &[String], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((first, rest)) if first == "**" => (0..=path.len()).any(|skip| match_segments(rest, &path[skip..])),
        Some((first, rest)) => path
            .split_first()
            .is_some_and(|(head, tail)| match_segment(first.as_bytes(), head.as_bytes()) && match_segments(rest, tail)),
    }
}

fn match_segment(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| match_segment(rest, &text[skip..])),
        Some((b'?', rest)) => !text.is_empty() && match_segment(rest, &text[1..]),
        Some((c, rest)) => text.first() == Some(c) && match_segment(rest, &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::Glob;

    #[test]
    fn globs() {
        let cases = [
            ("tests/fixtures/**", "tests/fixtures/apps/x/package.json", true),
            ("tests/fixtures/**", "tests/fixtures", true),
            ("tests/fixtures", "tests/fixtures/a", true),
            ("tests/fixtures/**", "tests/other", false),
            ("*.log", "a.log", true),
            ("*.log", "dir/a.log", false),
            ("**/*.log", "dir/a.log", true),
            ("apps/*", "apps/web", true),
            ("apps/*", "apps", false),
            ("a?c", "abc", true),
            ("./docs/", "docs/x.md", true),
        ];
        for (pattern, path, expected) in cases {
            assert_eq!(Glob::new(pattern).matches(path), expected, "{pattern} vs {path}");
        }
        assert!(!Glob::new("apps/*").matches_exactly("apps/web/src"));
    }
}
