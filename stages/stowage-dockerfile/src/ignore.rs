//! `.dockerignore`: what never enters a build context (VCS data, local env files and keys, CI files, build outputs and
//! dependency folders the build makes itself), and a matcher with the semantics of moby's `patternmatcher` (the one
//! BuildKit and the classic builder use), so that tests can prove what a pattern list keeps out.
//!
//! Patterns are written with `**/` because a bare `.env` matches only at the context root (podman 4.3 and BuildKit
//! agree on that). The matcher is hand-written: moby compiles patterns to Go regular expressions, and pulling the
//! `regex` crate into a stage for a dozen patterns is not worth its build time.

use std::collections::BTreeMap;

use crate::recipe::Item;

fn item(value: &str, comment: &str) -> Item {
    Item { value: value.to_string(), comment: comment.to_string() }
}

/// The ignore patterns for an image of `language`, with a reason each. `extra` carries the recipe's specifics.
pub fn patterns(language: &str, _root: &str, builds: bool, _extra: &BTreeMap<String, String>) -> Vec<Item> {
    let mut out = vec![
        item("**/.git", "version control data"),
        item("**/.hg", "version control data"),
        item("**/.svn", "version control data"),
        item("**/.env", "local environment files hold secrets"),
        item("**/.env.*", "local environment files hold secrets"),
        item("**/.envrc", "local environment files hold secrets"),
        item("**/*.pem", "keys and certificates"),
        item("**/*.key", "keys and certificates"),
        item("**/*.p12", "keys and certificates"),
        item("**/*.pfx", "keys and certificates"),
        item("**/id_rsa*", "SSH keys"),
        item("**/id_dsa*", "SSH keys"),
        item("**/id_ecdsa*", "SSH keys"),
        item("**/id_ed25519*", "SSH keys"),
        item("**/.ssh", "SSH keys"),
        item("**/.aws", "cloud credentials"),
        item("**/.npmrc", "registry tokens: pass them as a build secret"),
        item("**/.pypirc", "registry tokens: pass them as a build secret"),
        item("**/.netrc", "credentials"),
        item("**/.github", "CI configuration"),
        item("**/.gitlab-ci.yml", "CI configuration"),
        item("**/.circleci", "CI configuration"),
        item("**/.idea", "editor settings"),
        item("**/.vscode", "editor settings"),
        item("**/.DS_Store", "editor and OS files"),
        item("**/Dockerfile*", "container build files are not part of the image"),
        item("**/*.Dockerfile*", "container build files are not part of the image"),
        item("**/.dockerignore", "container build files are not part of the image"),
        item("**/compose*.y*ml", "container build files are not part of the image"),
        item("**/docker-compose*.y*ml", "container build files are not part of the image"),
        item("**/.stowage", "stowage's own settings"),
    ];
    let build_outputs = |out: &mut Vec<Item>, list: &[&str], why: &str| {
        for p in list {
            out.push(item(p, why));
        }
    };
    match language {
        "node" | "static" => {
            build_outputs(&mut out, &["**/node_modules"], "dependencies install inside the build");
            build_outputs(
                &mut out,
                &["**/npm-debug.log*", "**/yarn-error.log*", "**/coverage"],
                "local logs and reports",
            );
            if builds {
                build_outputs(
                    &mut out,
                    &["**/dist", "**/build", "**/.next"],
                    "build outputs are made inside the build",
                );
            }
        }
        "python" => build_outputs(
            &mut out,
            &["**/__pycache__", "**/*.pyc", "**/.venv", "**/venv", "**/.pytest_cache", "**/.mypy_cache", "**/.tox"],
            "virtual environments and caches are made inside the build",
        ),
        // Go's vendor/ stays: a build with vendored modules reads it.
        "go" => build_outputs(&mut out, &["**/bin"], "local binaries"),
        "rust" => build_outputs(&mut out, &["**/target"], "build outputs are made inside the build"),
        "java" => {
            build_outputs(&mut out, &["**/target", "**/build", "**/.gradle"], "build outputs are made inside the build")
        }
        "dotnet" => build_outputs(&mut out, &["**/bin", "**/obj"], "build outputs are made inside the build"),
        "php" => build_outputs(&mut out, &["**/vendor", "**/node_modules"], "dependencies install inside the build"),
        "ruby" => build_outputs(
            &mut out,
            &["**/vendor/bundle", "**/.bundle", "**/log/*", "**/tmp/*"],
            "dependencies install inside the build; logs and temporary files are local",
        ),
        _ => {}
    }
    out
}

/// One compiled pattern.
#[derive(Debug, Clone)]
struct Pattern {
    tokens: Vec<Token>,
    exclusion: bool,
    everything: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Char(char),
    /// `?`: one character other than `/`.
    One,
    /// `*`: any run of characters other than `/`.
    Star,
    /// `**` followed by more pattern: zero or more whole path elements (`(.*/)?`).
    AnyDirs,
    /// `**` at the end: anything (`.*`).
    Rest,
    /// `[...]`: a character class.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// Lexical cleaning as Go's `filepath.Clean` does it (enough for ignore patterns and paths).
fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

fn compile(raw: &str) -> Option<Pattern> {
    let mut text = raw.trim();
    if text.is_empty() || text.starts_with('#') {
        return None;
    }
    let exclusion = text.starts_with('!');
    if exclusion {
        text = text[1..].trim();
    }
    let mut cleaned = clean(text);
    if cleaned.len() > 1 && cleaned.starts_with('/') {
        cleaned.remove(0);
    }
    let chars: Vec<char> = cleaned.chars().collect();
    let mut tokens = Vec::new();
    let mut everything = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' if chars.get(i) == Some(&'*') => {
                i += 1;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                if i >= chars.len() {
                    if tokens.is_empty() {
                        everything = true;
                    } else {
                        tokens.push(Token::Rest);
                    }
                } else {
                    tokens.push(Token::AnyDirs);
                }
            }
            '*' => tokens.push(Token::Star),
            '?' => tokens.push(Token::One),
            '\\' => match chars.get(i) {
                Some(&next) => {
                    tokens.push(Token::Char(next));
                    i += 1;
                }
                None => tokens.push(Token::Char('\\')),
            },
            '[' => {
                let negated = chars.get(i) == Some(&'^');
                if negated {
                    i += 1;
                }
                let mut ranges = Vec::new();
                while i < chars.len() && chars[i] != ']' {
                    let lo = chars[i];
                    if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|c| *c != ']') {
                        ranges.push((lo, chars[i + 2]));
                        i += 3;
                    } else {
                        ranges.push((lo, lo));
                        i += 1;
                    }
                }
                i += 1;
                tokens.push(Token::Class { negated, ranges });
            }
            c => tokens.push(Token::Char(c)),
        }
    }
    Some(Pattern { tokens, exclusion, everything })
}

/// Backtracking match of `tokens` against the whole of `text`.
fn matches(tokens: &[Token], text: &[char]) -> bool {
    let Some((first, rest)) = tokens.split_first() else {
        return text.is_empty();
    };
    match first {
        Token::Char(c) => text.first() == Some(c) && matches(rest, &text[1..]),
        Token::One => text.first().is_some_and(|c| *c != '/') && matches(rest, &text[1..]),
        Token::Class { negated, ranges } => {
            text.first().is_some_and(|c| *c != '/' && ranges.iter().any(|(lo, hi)| lo <= c && c <= hi) != *negated)
                && matches(rest, &text[1..])
        }
        Token::Star => {
            let mut i = 0;
            loop {
                if matches(rest, &text[i..]) {
                    return true;
                }
                if i >= text.len() || text[i] == '/' {
                    return false;
                }
                i += 1;
            }
        }
        Token::AnyDirs => {
            // Zero elements, or any prefix ending in `/`.
            matches(rest, text) || (0..text.len()).any(|i| text[i] == '/' && matches(rest, &text[i + 1..]))
        }
        Token::Rest => true,
    }
}

impl Pattern {
    fn matches(&self, path: &str) -> bool {
        self.everything || matches(&self.tokens, &path.chars().collect::<Vec<_>>())
    }
}

/// A `.dockerignore` as the engines read it.
pub struct Matcher {
    patterns: Vec<Pattern>,
}

impl Matcher {
    pub fn new<S: AsRef<str>>(lines: &[S]) -> Matcher {
        Matcher { patterns: lines.iter().filter_map(|l| compile(l.as_ref())).collect() }
    }

    /// True when the context-relative `path` is left out of the build context: the last pattern that matches the
    /// path or one of its parent folders decides (moby's `MatchesOrParentMatches`).
    pub fn excluded(&self, path: &str) -> bool {
        let path = clean(path);
        let parts: Vec<&str> = path.split('/').collect();
        let mut excluded = false;
        for pattern in &self.patterns {
            let mut hit = pattern.matches(&path);
            if !hit {
                for i in 1..parts.len() {
                    if pattern.matches(&parts[..i].join("/")) {
                        hit = true;
                        break;
                    }
                }
            }
            if hit {
                excluded = !pattern.exclusion;
            }
        }
        excluded
    }
}
