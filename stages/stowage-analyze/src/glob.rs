//! Workspace member patterns (npm, pnpm, uv, Cargo): `apps/*`, `crates/**`.
//!
//! The matching is stowage-kit's; this adds the normalisation member lists need (leading `/`, `.` segments) and
//! the exact match they use (a member pattern `apps/*` names `apps/web`, not `apps/web/src`).

#[derive(Debug, Clone)]
pub struct Glob {
    pattern: String,
}

impl Glob {
    /// Parses a `/`-separated pattern; a leading `./` or `/`, `.` segments and a trailing `/` are ignored.
    pub fn new(pattern: &str) -> Glob {
        let trimmed = pattern.trim().trim_start_matches("./").trim_start_matches('/').trim_end_matches('/');
        let segments: Vec<&str> = trimmed.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
        Glob { pattern: segments.join("/") }
    }

    /// Whether the app-relative `path` matches. A pattern that matches a folder matches everything under it, so
    /// `tests/fixtures` and `tests/fixtures/**` both exclude the whole folder.
    pub fn matches(&self, path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        stowage_kit::glob_match(&self.pattern, &parts.join("/"))
    }

    /// Whether `path` matches exactly, without the folder rule (for workspace member lists).
    pub fn matches_exactly(&self, path: &str) -> bool {
        stowage_kit::glob_match_exact(&self.pattern, path)
    }
}

#[cfg(test)]
mod tests {
    use super::Glob;

    /// The matching itself is stowage-kit's (tested there); this covers the normalisation and the exact match.
    #[test]
    fn member_patterns() {
        assert!(Glob::new("/apps/./web/").matches("apps/web/src/index.js"));
        assert!(Glob::new("./docs/").matches("docs/x.md"));
        assert!(Glob::new("apps/*").matches_exactly("apps/web"));
        assert!(!Glob::new("apps/*").matches_exactly("apps/web/src"));
        assert!(!Glob::new("apps/*").matches_exactly("apps"));
    }
}
