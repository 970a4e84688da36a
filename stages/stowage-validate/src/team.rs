//! Team rules: checks a team declares in TOML, without writing Rust, that run beside the built-in rules.
//!
//! A rule file (any `*.toml` in a rules folder) names the team's prefix and its rules. Every code is
//! `PREFIX-NNN`: the hyphen keeps team codes out of stowage's own namespace (`DF001`, `KS010`), now and for
//! every code stowage adds later. Three kinds of check:
//! - Kubernetes (`target = "kubernetes"`, optionally `kinds`) and compose (`target = "compose"`): a `path` into
//!   each object or file that must be set (`required`), must not be set (`absent`), or whose value must match one
//!   of `allowed` or none of `forbidden` (patterns with `*` and `?`);
//! - Dockerfile (`target = "dockerfile"`): `forbidden_instructions` and `forbidden_images` (FROM references).
//!
//! Every rule carries a `bad` and a `good` example: `rules test` proves the rule catches the one and passes the
//! other, and the rule's documentation (`explain`, `rules docs`) is generated from the same text. The schema is
//! documented in docs/team-rules.md. Rules come from the folders of the policy's `team_rules` key and from
//! `share/stowage/rules/` beside the installed binary; once loaded, they are registered for the whole process,
//! so ignores, severities, `explain` and every report format treat them like the built-in rules.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;
use stowage_kit::Severity;
use toml::Spanned;

use crate::registry::{Rule, Target};
use crate::yaml::Node;
use crate::{Diag, Kind};

/// One team rule: its registry entry (what reports, ignores and policies use), where it was declared, and its check.
#[derive(Debug)]
pub struct TeamRule {
    pub rule: Rule,
    /// `file:line` of the rule's `[[rule]]` table.
    pub origin: String,
    /// The team's own page for the rule, if it gave one.
    pub doc_url: String,
    pub check: Check,
    pub bad: String,
    pub good: String,
}

#[derive(Debug)]
pub enum Check {
    /// A path into each Kubernetes object of `kinds` (every kind when empty), or into each compose file.
    Path {
        kinds: Vec<String>,
        path: Vec<Segment>,
        written: String,
        expect: Expect,
    },
    Dockerfile {
        instructions: Vec<String>,
        images: Vec<String>,
    },
}

#[derive(Debug, Default)]
pub struct Expect {
    pub required: bool,
    pub absent: bool,
    pub allowed: Vec<String>,
    pub forbidden: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    /// `*`: every value of a mapping, every item of a list.
    Any,
}

/// The instructions a Dockerfile may hold, for refusing a misspelt one in `forbidden_instructions`.
const INSTRUCTIONS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// The rule files' shape. Unknown keys are errors at their line, so a misspelt `forbiden` never silently
/// checks nothing.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    prefix: Spanned<String>,
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    code: Spanned<String>,
    target: RawTarget,
    severity: Severity,
    title: String,
    rationale: String,
    fix: String,
    #[serde(default)]
    references: String,
    #[serde(default)]
    doc_url: String,
    #[serde(default)]
    kinds: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    path: Option<Spanned<String>>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    absent: bool,
    #[serde(default)]
    allowed: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    forbidden: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    forbidden_instructions: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    forbidden_images: Option<Spanned<Vec<String>>>,
    bad: Spanned<String>,
    good: Spanned<String>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum RawTarget {
    Dockerfile,
    Compose,
    Kubernetes,
}

/// A rule file's text with its name, for errors at `file:line:column`.
struct At<'a> {
    shown: &'a str,
    text: &'a str,
}

impl At<'_> {
    fn err(&self, offset: usize, message: impl std::fmt::Display) -> String {
        let (line, column) = crate::source::SourceText::new(self.text).position(offset);
        format!("{}:{line}:{column}: {message}", self.shown)
    }
}

/// Leaks a string read from a rule file: rules live for the whole run and the registry hands out `&'static`
/// rules, built-in and team alike.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Parses one rule file. `shown` is how errors name it.
pub fn parse_file(text: &str, shown: &str) -> Result<Vec<TeamRule>, String> {
    let at = At { shown, text };
    let file: File = toml::from_str(text).map_err(|e| {
        let message = e.message().trim_end().to_string();
        match e.span() {
            Some(span) => at.err(span.start, message),
            None => format!("{shown}: {message}"),
        }
    })?;
    let prefix = file.prefix.get_ref();
    let builtin = builtin_prefixes();
    if !(2..=10).contains(&prefix.len()) || !prefix.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(at.err(
            file.prefix.span().start,
            format!("prefix `{prefix}` must be 2 to 10 capital letters (A-Z), the team's name for its codes"),
        ));
    }
    if builtin.contains(&prefix.as_str()) {
        return Err(at.err(
            file.prefix.span().start,
            format!("prefix `{prefix}` is one of stowage's own ({}); choose the team's name", builtin.join(", ")),
        ));
    }
    if file.rule.is_empty() {
        return Err(format!("{shown}: no `[[rule]]` table; a rule file declares at least one rule"));
    }
    let mut rules = Vec::new();
    for spanned in file.rule {
        let raw = spanned.into_inner();
        // The rule's `[[rule]]` header: toml's span of a table in an array starts there for the first table only.
        let code_at = raw.code.span().start;
        let start = text[..code_at].rfind("[[rule]]").unwrap_or(code_at);
        rules.push(rule_of(&at, prefix, start, raw)?);
    }
    Ok(rules)
}

/// The letter prefixes of stowage's own codes (`DF`, `KS`...), which no team may take.
fn builtin_prefixes() -> Vec<&'static str> {
    let mut prefixes: Vec<&str> =
        crate::registry::RULES.iter().map(|r| r.code.trim_end_matches(|c: char| c.is_ascii_digit())).collect();
    prefixes.sort();
    prefixes.dedup();
    prefixes
}

fn rule_of(at: &At, prefix: &str, start: usize, raw: RawRule) -> Result<TeamRule, String> {
    let code = raw.code.get_ref();
    let digits = code.strip_prefix(prefix).and_then(|r| r.strip_prefix('-'));
    if !digits.is_some_and(|d| (1..=4).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit())) {
        return Err(at.err(
            raw.code.span().start,
            format!("code `{code}` must be `{prefix}-` and 1 to 4 digits (e.g. `{prefix}-001`), the file's prefix"),
        ));
    }
    for (name, value) in [("title", &raw.title), ("rationale", &raw.rationale), ("fix", &raw.fix)] {
        if value.trim().is_empty() {
            return Err(at.err(start, format!("rule {code}: `{name}` is empty; reports and docs show it")));
        }
    }
    if !raw.doc_url.is_empty() && !stowage_render::is_web_link(&raw.doc_url) {
        return Err(at.err(start, format!("rule {code}: `doc_url` must be an http:// or https:// address")));
    }
    let field_err = |span: std::ops::Range<usize>, what: &str| at.err(span.start, format!("rule {code}: {what}"));
    let only_for = |field: &str, spanned: Option<std::ops::Range<usize>>, targets: &str| match spanned {
        Some(span) => Err(field_err(span, &format!("`{field}` applies to {targets} rules only"))),
        None => Ok(()),
    };
    let span_of = |s: &Option<Spanned<Vec<String>>>| s.as_ref().map(|s| s.span());
    let (target, check) = match raw.target {
        RawTarget::Dockerfile => {
            only_for("kinds", span_of(&raw.kinds), "kubernetes")?;
            only_for("path", raw.path.as_ref().map(|p| p.span()), "kubernetes and compose")?;
            only_for("allowed", span_of(&raw.allowed), "kubernetes and compose")?;
            only_for("forbidden", span_of(&raw.forbidden), "kubernetes and compose")?;
            if raw.required || raw.absent {
                return Err(at.err(start, format!("rule {code}: `required` and `absent` need a `path`")));
            }
            let mut instructions = Vec::new();
            if let Some(list) = &raw.forbidden_instructions {
                for name in list.get_ref() {
                    let upper = name.to_ascii_uppercase();
                    if !INSTRUCTIONS.contains(&upper.as_str()) {
                        return Err(field_err(
                            list.span(),
                            &format!("`{name}` is not a Dockerfile instruction ({})", INSTRUCTIONS.join(", ")),
                        ));
                    }
                    instructions.push(upper);
                }
            }
            let images = raw.forbidden_images.map(Spanned::into_inner).unwrap_or_default();
            if instructions.is_empty() && images.is_empty() {
                return Err(at.err(
                    start,
                    format!("rule {code} checks nothing: give `forbidden_instructions` or `forbidden_images`"),
                ));
            }
            (Target::Dockerfile, Check::Dockerfile { instructions, images })
        }
        RawTarget::Compose | RawTarget::Kubernetes => {
            only_for("forbidden_instructions", span_of(&raw.forbidden_instructions), "dockerfile")?;
            only_for("forbidden_images", span_of(&raw.forbidden_images), "dockerfile")?;
            let kinds = match (raw.target, raw.kinds) {
                (RawTarget::Compose, Some(k)) => {
                    return Err(field_err(k.span(), "`kinds` applies to kubernetes rules only"));
                }
                (_, k) => k.map(Spanned::into_inner).unwrap_or_default(),
            };
            let Some(path) = raw.path else {
                return Err(
                    at.err(start, format!("rule {code} needs a `path`, e.g. `spec.template.spec.containers.*.image`"))
                );
            };
            let segments = parse_path(path.get_ref()).map_err(|e| field_err(path.span(), &e))?;
            let expect = Expect {
                required: raw.required,
                absent: raw.absent,
                allowed: raw.allowed.map(Spanned::into_inner).unwrap_or_default(),
                forbidden: raw.forbidden.map(Spanned::into_inner).unwrap_or_default(),
            };
            if expect.required && expect.absent {
                return Err(at.err(start, format!("rule {code}: `required` and `absent` cannot both be true")));
            }
            if expect.absent && !(expect.allowed.is_empty() && expect.forbidden.is_empty()) {
                return Err(at.err(start, format!("rule {code}: an `absent` path has no value to allow or forbid")));
            }
            if !expect.required && !expect.absent && expect.allowed.is_empty() && expect.forbidden.is_empty() {
                return Err(at.err(
                    start,
                    format!("rule {code} checks nothing: give `required`, `absent`, `allowed` or `forbidden`"),
                ));
            }
            let target = if matches!(raw.target, RawTarget::Compose) { Target::Compose } else { Target::Kubernetes };
            (target, Check::Path { kinds, path: segments, written: path.into_inner(), expect })
        }
    };
    for (name, example) in [("bad", &raw.bad), ("good", &raw.good)] {
        if example.get_ref().trim().is_empty() {
            return Err(field_err(example.span(), &format!("`{name}` is empty; give an example file")));
        }
    }
    let line = crate::source::SourceText::new(at.text).position(start).0;
    Ok(TeamRule {
        rule: Rule {
            code: leak(code.clone()),
            target,
            row: "",
            severity: raw.severity,
            default_enabled: true,
            title: leak(raw.title.trim().to_string()),
            rationale: leak(raw.rationale.trim().to_string()),
            fix: leak(raw.fix.trim().to_string()),
            references: leak(raw.references.trim().to_string()),
            hadolint: "",
            checkov: "",
            kube_linter: "",
            trivy: "",
        },
        origin: format!("{}:{line}", at.shown),
        doc_url: raw.doc_url,
        check,
        bad: raw.bad.into_inner(),
        good: raw.good.into_inner(),
    })
}

/// `a.b.*.c`, with `"..."` around a key that holds dots (`metadata.labels."app.kubernetes.io/name"`).
fn parse_path(written: &str) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    let mut rest = written;
    loop {
        let (segment, after) = if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').ok_or_else(|| format!("path `{written}` has a `\"` that is not closed"))?;
            (Segment::Key(quoted[..end].to_string()), &quoted[end + 1..])
        } else {
            let end = rest.find('.').unwrap_or(rest.len());
            let key = &rest[..end];
            if key.is_empty() {
                return Err(format!("path `{written}` has an empty part; write keys between dots, `*` for every item"));
            }
            (if key == "*" { Segment::Any } else { Segment::Key(key.to_string()) }, &rest[end..])
        };
        segments.push(segment);
        match after.strip_prefix('.') {
            Some(next) => rest = next,
            None if after.is_empty() => return Ok(segments),
            None => return Err(format!("path `{written}`: a quoted key must be followed by `.` or end the path")),
        }
    }
}

/// Whether `text` matches `pattern`: `*` is any run of characters (slashes included, as image references have
/// them; the policy's path globs stop at `/`, which is why they are not used here), `?` one character.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // Iterative matching with one backtrack point: linear in practice, never exponential.
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

static ACTIVE: OnceLock<Vec<&'static TeamRule>> = OnceLock::new();

/// Makes `rules` the process's team rules: `registry::find`, ignores, policies and reports see them from now on.
/// Loading the same rules again is allowed (a policy read twice); different ones are refused.
pub fn register(rules: Vec<TeamRule>) -> Result<(), String> {
    if rules.is_empty() {
        return Ok(());
    }
    let codes: Vec<&str> = rules.iter().map(|r| r.rule.code).collect();
    if let Some(active) = ACTIVE.get() {
        let before: Vec<&str> = active.iter().map(|r| r.rule.code).collect();
        return if before == codes {
            Ok(())
        } else {
            Err("team rules were already loaded from other folders in this run".to_string())
        };
    }
    let leaked: Vec<&'static TeamRule> = rules.into_iter().map(|r| &*Box::leak(Box::new(r))).collect();
    let _ = ACTIVE.set(leaked);
    Ok(())
}

/// The registered team rules, sorted by code.
pub fn active() -> &'static [&'static TeamRule] {
    ACTIVE.get().map_or(&[], Vec::as_slice)
}

/// The team rule with this code (case-insensitive).
pub fn find(code: &str) -> Option<&'static TeamRule> {
    active().iter().copied().find(|r| r.rule.code.eq_ignore_ascii_case(code))
}

/// Where rules installed beside stowage live: `share/stowage/rules/` next to the `bin/` folder of the running
/// binary (`cargo install --root PREFIX` puts stowage in PREFIX/bin).
pub fn installed_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.parent()?.join("share/stowage/rules"))
}

/// Loads every `*.toml` of each folder (sorted by name), then, `with_installed`, the installed folder if it exists. `folders` are
/// (path, how to name it) pairs; a named folder that does not exist is an error. With `within`, a folder and its
/// files must be regular files inside that folder (the validate stage reads only the app); otherwise they are read
/// where they are, as `--policy FILE` is.
/// `named_in` is where the folders are named, for the error about a missing one.
pub fn load(
    folders: &[(PathBuf, String)],
    within: Option<&Path>,
    named_in: &str,
    with_installed: bool,
) -> Result<Vec<TeamRule>, String> {
    let mut rules: Vec<TeamRule> = Vec::new();
    let installed = installed_dir().filter(|d| with_installed && d.is_dir()).map(|d| {
        let shown = d.display().to_string();
        (d, shown)
    });
    for (index, (folder, shown)) in folders.iter().chain(installed.as_ref()).enumerate() {
        let is_installed = index >= folders.len();
        let listing = std::fs::read_dir(folder).map_err(|e| {
            format!("{named_in}: cannot read the team rules folder `{shown}`: {e}; create it or fix `team_rules`")
        })?;
        let mut files: Vec<PathBuf> = listing
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        for path in files {
            let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let shown_file = format!("{}/{name}", shown.trim_end_matches('/'));
            let root = match within {
                Some(root) if !is_installed => root.to_path_buf(),
                _ => folder.canonicalize().unwrap_or_else(|_| folder.clone()),
            };
            let bytes = stowage_kit::files::read_app_file(&root, &path, stowage_kit::files::MAX_FILE_BYTES)
                .map_err(|e| format!("cannot read team rules {shown_file}: {e}; only regular files are read"))?;
            let text = String::from_utf8(bytes).map_err(|_| format!("{shown_file} is not UTF-8: re-encode it"))?;
            for rule in parse_file(&text, &shown_file)? {
                if let Some(other) = rules.iter().find(|r| r.rule.code.eq_ignore_ascii_case(rule.rule.code)) {
                    return Err(format!(
                        "{}: code {} is declared twice (first at {}); give each rule its own code",
                        rule.origin, rule.rule.code, other.origin
                    ));
                }
                rules.push(rule);
            }
        }
    }
    rules.sort_by(|a, b| a.rule.code.cmp(b.rule.code));
    Ok(rules)
}

/// Runs the active team rules on one parsed file. `objects` are the Kubernetes objects of a manifest; a compose
/// file and a Dockerfile are read from `text`.
pub fn check(kind: Kind, text: &str, objects: &[crate::k8s::Object], out: &mut Vec<Diag>) {
    check_with(active(), kind, text, objects, out);
}

pub fn check_with(rules: &[&TeamRule], kind: Kind, text: &str, objects: &[crate::k8s::Object], out: &mut Vec<Diag>) {
    let wanted = match kind {
        Kind::Dockerfile => Target::Dockerfile,
        Kind::Compose => Target::Compose,
        Kind::Kubernetes => Target::Kubernetes,
        Kind::HelmChart => return,
    };
    let rules: Vec<&TeamRule> = rules.iter().copied().filter(|r| r.rule.target == wanted).collect();
    if rules.is_empty() {
        return;
    }
    match kind {
        Kind::Dockerfile => check_dockerfile(&rules, text, out),
        Kind::Compose => {
            let (docs, _) = crate::yaml::parse(text);
            for root in docs.iter().filter_map(|d| d.root.as_ref()) {
                for rule in &rules {
                    check_path(rule, root, "", out);
                }
            }
        }
        Kind::Kubernetes => {
            for object in objects {
                for rule in &rules {
                    if let Check::Path { kinds, .. } = &rule.check
                        && (kinds.is_empty() || kinds.contains(&object.kind))
                    {
                        check_path(rule, &object.root, &format!("{} {}: ", object.kind, object.name), out);
                    }
                }
            }
        }
        Kind::HelmChart => {}
    }
}

/// What walking a path found: the node at its end, or the first key that is missing and the node it is missing from.
enum Reached<'a> {
    Found(String, &'a Node),
    Missing(String, &'a Node),
}

fn walk<'a>(node: &'a Node, path: &[Segment], trail: String, out: &mut Vec<Reached<'a>>) {
    let Some((first, rest)) = path.split_first() else {
        out.push(if node.is_null() { Reached::Missing(trail, node) } else { Reached::Found(trail, node) });
        return;
    };
    let join = |trail: &str, key: &str| {
        let key = if key.contains('.') { format!("\"{key}\"") } else { key.to_string() };
        if trail.is_empty() { key } else { format!("{trail}.{key}") }
    };
    match first {
        Segment::Key(key) => match node.get(key) {
            Some(next) if !next.is_null() || rest.is_empty() => walk(next, rest, join(&trail, key), out),
            // Named in full, as the rule wrote it from here on: `metadata.labels.team` when `labels` is missing.
            _ => {
                let whole = rest.iter().fold(join(&trail, key), |t, s| match s {
                    Segment::Key(k) => join(&t, k),
                    Segment::Any => join(&t, "*"),
                });
                out.push(Reached::Missing(whole, node));
            }
        },
        Segment::Any => {
            for (k, v) in node.entries() {
                walk(v, rest, join(&trail, k.str().unwrap_or("?")), out);
            }
            for (i, item) in node.seq().iter().enumerate() {
                walk(item, rest, format!("{trail}[{i}]"), out);
            }
        }
    }
}

fn check_path(rule: &TeamRule, root: &Node, subject: &str, out: &mut Vec<Diag>) {
    let Check::Path { path, expect, .. } = &rule.check else { return };
    let code = rule.rule.code;
    let title = rule.rule.title;
    let mut reached = Vec::new();
    walk(root, path, String::new(), &mut reached);
    for r in reached {
        match r {
            Reached::Missing(at, node) => {
                if expect.required {
                    out.push(Diag::new(code, node.pos(), format!("{subject}`{at}` is not set: {title}")));
                }
            }
            Reached::Found(at, node) => {
                if expect.absent {
                    out.push(Diag::new(code, node.pos(), format!("{subject}`{at}` is set: {title}")));
                    continue;
                }
                // A list of scalars (`args`, `ports`) is judged item by item.
                let values: Vec<(&str, &Node)> = match node.seq() {
                    [] => node.str().map(|s| vec![(s, node)]).unwrap_or_default(),
                    items => items.iter().filter_map(|i| i.str().map(|s| (s, i))).collect(),
                };
                for (value, at_node) in values {
                    let shown = if hides_value(&at) { crate::MASK } else { value };
                    if !expect.allowed.is_empty() && !expect.allowed.iter().any(|p| wildcard(p, value)) {
                        let allowed: Vec<String> = expect.allowed.iter().map(|a| format!("`{a}`")).collect();
                        out.push(Diag::new(
                            code,
                            at_node.pos(),
                            format!("{subject}`{at}` is `{shown}`, not one of {}: {title}", allowed.join(", ")),
                        ));
                    }
                    if let Some(p) = expect.forbidden.iter().find(|p| wildcard(p, value)) {
                        out.push(Diag::new(
                            code,
                            at_node.pos(),
                            format!("{subject}`{at}` is `{shown}`, matching forbidden `{p}`: {title}"),
                        ));
                    }
                }
            }
        }
    }
}

/// Whether a value at this path may be a secret and is shown masked: anything under an environment, a Secret's
/// data, or a key named like a secret (`password`, `api_token`). Values elsewhere (images, types, labels) are shown,
/// with the secret forms the linter masks everywhere masked too.
fn hides_value(trail: &str) -> bool {
    trail.split(['.', '[', '"']).any(|part| {
        matches!(part, "env" | "environment" | "data" | "stringData" | "secrets" | "args" | "command")
            || stowage_kit::secret::is_secret_name(part)
    })
}

fn check_dockerfile(rules: &[&TeamRule], text: &str, out: &mut Vec<Diag>) {
    use parse_dockerfile::Instruction;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Ok(iter) = parse_dockerfile::parse_iter(text) else { return };
    // A file that does not parse is GN001's; its instructions up to the error are still judged.
    let instructions: Vec<Instruction<'_>> = iter.map_while(Result::ok).collect();
    let src = crate::source::SourceText::new(text);
    let mut global_args: BTreeMap<String, String> = BTreeMap::new();
    let mut stage_names: Vec<String> = Vec::new();
    let mut seen_from = false;
    for instruction in &instructions {
        let span = crate::dockerfile::keyword_span(instruction);
        let keyword = text.get(span.clone()).unwrap_or("").to_ascii_uppercase();
        let pos = src.position(span.start);
        for rule in rules {
            let Check::Dockerfile { instructions, images } = &rule.check else { continue };
            if instructions.contains(&keyword) {
                out.push(Diag::new(
                    rule.rule.code,
                    pos,
                    format!("`{keyword}` instruction is forbidden: {}", rule.rule.title),
                ));
            }
            if let Instruction::From(from) = instruction {
                let image = crate::dockerfile::substitute(&from.image.value, &global_args);
                if stage_names.iter().any(|n| n.eq_ignore_ascii_case(&image)) {
                    continue;
                }
                let qualified = qualified_image(&image);
                if let Some(p) = images.iter().find(|p| wildcard(p, &image) || wildcard(p, &qualified)) {
                    out.push(Diag::new(
                        rule.rule.code,
                        src.position(from.image.span.start),
                        format!("base image `{image}` matches forbidden `{p}`: {}", rule.rule.title),
                    ));
                }
            }
        }
        match instruction {
            Instruction::Arg(arg) if !seen_from => {
                for (name, value) in crate::dockerfile::arg_defaults(arg) {
                    global_args.insert(name, value);
                }
            }
            Instruction::From(from) => {
                seen_from = true;
                if let Some((_, name)) = &from.as_ {
                    stage_names.push(name.value.to_string());
                }
            }
            _ => {}
        }
    }
}

/// A Docker Hub short name in full (`python:3` is `docker.io/library/python:3`), so that a pattern written
/// either way matches.
fn qualified_image(image: &str) -> String {
    let registry = crate::policy::registry_of(image);
    if image.starts_with(&format!("{registry}/")) {
        image.to_string()
    } else if image.contains('/') {
        format!("docker.io/{image}")
    } else {
        format!("docker.io/library/{image}")
    }
}

/// A rule's page: the same headings as a built-in rule's, what it checks in words, and its examples.
pub fn page(team: &TeamRule) -> String {
    let rule = &team.rule;
    let mut s = String::new();
    let _ = writeln!(s, "# {}: {}\n", rule.code, rule.title);
    let _ = writeln!(s, "- Target: {}", rule.target.name());
    let _ = writeln!(s, "- Severity: {}", rule.severity);
    let _ = writeln!(s, "- Declared in: {}", team.origin);
    if !team.doc_url.is_empty() {
        let _ = writeln!(s, "- Team page: {}", team.doc_url);
    }
    let _ = writeln!(s, "\n## What it checks\n\n{}\n", describe(&team.check));
    let _ = writeln!(s, "## Why\n\n{}\n", rule.rationale);
    let _ = writeln!(s, "## Fix\n\n{}\n", rule.fix);
    if !rule.references.is_empty() {
        let _ = writeln!(s, "## References\n\n{}\n", rule.references);
    }
    let lang = if rule.target == Target::Dockerfile { "dockerfile" } else { "yaml" };
    for (heading, example) in [("Reported", &team.bad), ("Passes", &team.good)] {
        let _ = writeln!(s, "## {heading}\n\n```{lang}\n{}\n```\n", example.trim_end());
    }
    let _ = writeln!(s, "## Ignoring it\n");
    let _ = writeln!(
        s,
        "Put `# stowage: ignore[{}] <reason>` on the line before the finding, or disable it in the policy.",
        rule.code
    );
    s
}

fn quoted(list: &[String]) -> String {
    list.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
}

/// What a check does, in a sentence or two, for the rule's page.
fn describe(check: &Check) -> String {
    match check {
        Check::Path { kinds, written, expect, .. } => {
            let subject =
                if kinds.is_empty() { "every object".to_string() } else { format!("every {}", kinds.join(", ")) };
            let mut parts = Vec::new();
            if expect.required {
                parts.push("must be set".to_string());
            }
            if expect.absent {
                parts.push("must not be set".to_string());
            }
            if !expect.allowed.is_empty() {
                parts.push(format!("where set, must match one of {}", quoted(&expect.allowed)));
            }
            if !expect.forbidden.is_empty() {
                parts.push(format!("where set, must match none of {}", quoted(&expect.forbidden)));
            }
            format!("In {subject}, `{written}` {}.", parts.join("; "))
        }
        Check::Dockerfile { instructions, images } => {
            let mut parts = Vec::new();
            if !instructions.is_empty() {
                parts.push(format!("No {} instruction.", quoted(instructions)));
            }
            if !images.is_empty() {
                parts.push(format!(
                    "No stage built FROM an image matching {} (as written, ARG defaults filled in, and with Docker Hub names in full).",
                    quoted(images)
                ));
            }
            parts.join(" ")
        }
    }
}

/// A table of the rules: code, target, severity, title, where declared.
pub fn index(rules: &[&TeamRule]) -> String {
    let mut s = String::from("| Code | Target | Severity | Title | Declared in |\n|---|---|---|---|---|\n");
    for r in rules {
        let rule = &r.rule;
        let title = rule.title.replace('|', "\\|");
        let _ = writeln!(s, "| {} | {} | {} | {title} | {} |", rule.code, rule.target.name(), rule.severity, r.origin);
    }
    s
}

/// The Markdown of every rule: an index, then each page (`rules docs`).
pub fn docs(rules: &[&TeamRule]) -> String {
    let mut s = String::from("# Team rules\n\n");
    let _ = writeln!(s, "Generated by `stowage rules docs` from the rule files; do not edit by hand.\n");
    s.push_str(&index(rules));
    for r in rules {
        s.push('\n');
        s.push_str(&page(r).replacen("# ", "## ", 1).replace("\n## ", "\n### "));
    }
    s
}

/// The outcome of one rule's examples under `rules test`.
pub struct Tested {
    pub code: &'static str,
    pub origin: String,
    /// Why the rule failed its examples; empty when it passed.
    pub problems: Vec<String>,
}

/// Checks each rule's `bad` example (it must report the rule) and `good` one (it must not), with only that rule on.
pub fn test(rules: &[&'static TeamRule]) -> Vec<Tested> {
    rules
        .iter()
        .map(|r| {
            let (kind, file) = match r.rule.target {
                Target::Dockerfile => (Kind::Dockerfile, "Dockerfile"),
                Target::Compose => (Kind::Compose, "compose.yaml"),
                _ => (Kind::Kubernetes, "manifest.yaml"),
            };
            let policy = crate::Policy::only(r.rule.code);
            let mut problems = Vec::new();
            let bad = crate::lint_text(kind, file, &r.bad, &policy);
            if !bad.iter().any(|f| f.rule == r.rule.code) {
                problems.push("its `bad` example is not reported".to_string());
            }
            for f in crate::lint_text(kind, file, &r.good, &policy).iter().filter(|f| f.rule == r.rule.code) {
                problems.push(format!("its `good` example is reported at line {}: {}", f.line.unwrap_or(1), f.message));
            }
            Tested { code: r.rule.code, origin: r.origin.clone(), problems }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard("*:latest", "docker.io/library/python:latest"));
        assert!(wildcard("docker.io/*", "docker.io/a/b:1"));
        assert!(wildcard("python:3.?", "python:3.9"));
        assert!(!wildcard("python:3.?", "python:3.12"));
        assert!(!wildcard("*:latest", "python:3"));
        assert!(wildcard("*", ""));
    }

    #[test]
    fn paths() {
        assert_eq!(
            parse_path("metadata.labels.\"app.kubernetes.io/name\"").unwrap(),
            vec![
                Segment::Key("metadata".into()),
                Segment::Key("labels".into()),
                Segment::Key("app.kubernetes.io/name".into())
            ]
        );
        assert_eq!(parse_path("services.*.image").unwrap()[1], Segment::Any);
        assert!(parse_path("a..b").unwrap_err().contains("empty part"));
        assert!(parse_path("a.\"b").unwrap_err().contains("not closed"));
    }

    #[test]
    fn values_that_may_be_secrets_are_not_shown() {
        let text = "services:\n  web:\n    environment:\n      DB_PASSWORD: hunter2\n    image: nginx:1\n";
        let raw = format!(
            "prefix = \"ACME\"\n[[rule]]\ncode = \"ACME-1\"\ntarget = \"compose\"\nseverity = \"error\"\n\
             title = \"t\"\nrationale = \"r\"\nfix = \"f\"\npath = \"services.*.{}\"\nforbidden = [\"*\"]\n\
             bad = \"x\"\ngood = \"y\"\n",
            "environment.*"
        );
        let rules = parse_file(&raw, "acme.toml").unwrap();
        let mut out = Vec::new();
        check_with(&[&rules[0]], Kind::Compose, text, &[], &mut out);
        assert_eq!(out.len(), 1);
        assert!(!out[0].message.contains("hunter2") && out[0].message.contains("is `****`"), "{}", out[0].message);
        assert!(hides_value("spec.template.spec.containers[0].env[1].value"));
        assert!(!hides_value("spec.template.spec.containers[0].image"));
    }

    #[test]
    fn images_in_full() {
        assert_eq!(qualified_image("python:3"), "docker.io/library/python:3");
        assert_eq!(qualified_image("bitnami/redis"), "docker.io/bitnami/redis");
        assert_eq!(qualified_image("ghcr.io/a/b"), "ghcr.io/a/b");
    }
}
