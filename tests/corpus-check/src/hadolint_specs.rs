//! hadolint's own rule specs as a conformance suite (`cargo xtask corpus-check --hadolint-specs DIR`, DIR a copy of
//! hadolint's repository). hadolint is GPL-3.0: nothing of it is committed here, and CI, which cannot fetch it,
//! does not run this.
//!
//! Every `test/Hadolint/Rule/*Spec.hs` is read for its cases: `ruleCatches`, `ruleCatchesNot` and their `onBuild`
//! variants (which wrap each RUN in ONBUILD), with the Dockerfile written as a string literal, literals joined by
//! `<>`, or `Text.unlines` / `Text.intercalate "\n"` over a list, inline or bound by a `let`. Each case runs through
//! the linter with the default policy (`lint_text`); it passes when a finding of a rule mapped to the case's ID is
//! there (`Catches`) or is not (`CatchesNot`). Cases under a `?config` other than the default, and cases of IDs no
//! rule maps, are counted apart; so are calls the reader cannot follow (named, never guessed).
//!
//! The figure: per ID and in all, the share of cases on mapped IDs that pass; the bar is 95%. Each remaining
//! failure must be reviewed in tests/corpus-check/hadolint-specs-disputes.toml (who is right and why), like a corpus
//! disagreement; a review that no longer matches a failure is stale. Both fail the check.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use stowage_validate::{Kind, Policy, lint_text, registry};

use crate::{Fatal, Problems, Result, sorted_files};

/// One case of a spec.
#[derive(Debug, Clone)]
pub struct Case {
    /// `DL3008Spec.hs:15`.
    pub at: String,
    pub id: String,
    pub catches: bool,
    pub onbuild: bool,
    pub default_config: bool,
    pub dockerfile: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Str(String),
    Ident(String),
    Sym(&'static str),
}

/// Haskell source as tokens with their 1-based line and the indentation of that line.
fn tokenize(text: &str) -> Vec<(Token, u32, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1u32);
    let indent_at = |chars: &[char], i: usize| {
        let start = chars[..i].iter().rposition(|c| *c == '\n').map_or(0, |p| p + 1);
        chars[start..].iter().take_while(|c| **c == ' ').count()
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '{' && chars.get(i + 1) == Some(&'-') {
            while i + 1 < chars.len() && !(chars[i] == '-' && chars[i + 1] == '}') {
                line += u32::from(chars[i] == '\n');
                i += 1;
            }
            i += 2;
        } else if c == '"' {
            let (start_line, indent) = (line, indent_at(&chars, i));
            let mut s = String::new();
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                    let Some(&e) = chars.get(i) else { break };
                    match e {
                        'n' => s.push('\n'),
                        't' => s.push('\t'),
                        '\\' => s.push('\\'),
                        '"' => s.push('"'),
                        '\'' => s.push('\''),
                        '&' => {}
                        // A string gap: `\` whitespace (newlines included) `\`.
                        w if w.is_whitespace() => {
                            while i < chars.len() && chars[i] != '\\' {
                                line += u32::from(chars[i] == '\n');
                                i += 1;
                            }
                        }
                        d if d.is_ascii_digit() => {
                            let mut n = 0u32;
                            while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
                                n = n * 10 + d;
                                i += 1;
                            }
                            s.extend(char::from_u32(n));
                            continue;
                        }
                        other => s.push(other),
                    }
                    i += 1;
                } else {
                    line += u32::from(chars[i] == '\n');
                    s.push(chars[i]);
                    i += 1;
                }
            }
            i += 1;
            out.push((Token::Str(s), start_line, indent));
        } else if c.is_alphanumeric() || c == '_' || c == '?' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '\'' | '.' | '?')) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push((Token::Ident(word.trim_end_matches('.').to_string()), line, indent_at(&chars, start)));
        } else {
            let indent = indent_at(&chars, i);
            let sym = match (c, chars.get(i + 1)) {
                ('<', Some('>')) => Some("<>"),
                ('[', _) => Some("["),
                (']', _) => Some("]"),
                (',', _) => Some(","),
                ('$', _) => Some("$"),
                ('(', _) => Some("("),
                (')', _) => Some(")"),
                ('=', Some('=')) => None,
                ('=', _) => Some("="),
                ('{', _) => Some("{"),
                _ => None,
            };
            i += sym.map_or(1, str::len);
            if let Some(sym) = sym {
                out.push((Token::Sym(sym), line, indent));
            }
        }
    }
    out
}

const CALLS: &[(&str, bool, bool)] = &[
    ("ruleCatches", true, false),
    ("ruleCatchesNot", false, false),
    ("onBuildRuleCatches", true, true),
    ("onBuildRuleCatchesNot", false, true),
];

/// A Dockerfile expression at `tokens[i..]`: its text and the tokens it took.
fn expression(tokens: &[(Token, u32, usize)], i: usize, bindings: &BTreeMap<String, Value>) -> Option<(String, usize)> {
    let tok = |k: usize| tokens.get(k).map(|t| &t.0);
    let mut k = i;
    let mut close = 0;
    while let Some(Token::Sym("$" | "(")) = tok(k) {
        close += usize::from(tok(k) == Some(&Token::Sym("(")));
        k += 1;
    }
    let value = match tok(k)? {
        Token::Ident(f) if f.ends_with("unlines") || f.ends_with("intercalate") => {
            let intercalate = f.ends_with("intercalate");
            k += 1;
            if intercalate {
                // Only `Text.intercalate "\n"` is followed.
                if tok(k) != Some(&Token::Str("\n".into())) {
                    return None;
                }
                k += 1;
            }
            let (lines, used) = list_or_binding(tokens, k, bindings)?;
            k += used;
            if intercalate { lines.join("\n") } else { lines.iter().map(|l| format!("{l}\n")).collect() }
        }
        Token::Str(_) => {
            let (s, used) = concatenation(tokens, k)?;
            k += used;
            s
        }
        Token::Ident(name) => match bindings.get(name)? {
            Value::Text(s) => {
                k += 1;
                s.clone()
            }
            Value::Lines(_) => return None,
        },
        Token::Sym(_) => return None,
    };
    for _ in 0..close {
        if tok(k) == Some(&Token::Sym(")")) {
            k += 1;
        }
    }
    Some((value, k - i))
}

/// `"a" <> "b" <> ...`.
fn concatenation(tokens: &[(Token, u32, usize)], i: usize) -> Option<(String, usize)> {
    let mut k = i;
    let mut s = String::new();
    loop {
        let Token::Str(part) = &tokens.get(k)?.0 else { return None };
        s.push_str(part);
        k += 1;
        if tokens.get(k).map(|t| &t.0) == Some(&Token::Sym("<>"))
            && matches!(tokens.get(k + 1), Some((Token::Str(_), ..)))
        {
            k += 1;
        } else {
            return Some((s, k - i));
        }
    }
}

/// A list of string literals `[ "a", "b" <> "c" ]`, or a name bound to one.
fn list_or_binding(
    tokens: &[(Token, u32, usize)],
    i: usize,
    bindings: &BTreeMap<String, Value>,
) -> Option<(Vec<String>, usize)> {
    match &tokens.get(i)?.0 {
        Token::Ident(name) => match bindings.get(name)? {
            Value::Lines(lines) => Some((lines.clone(), 1)),
            Value::Text(_) => None,
        },
        Token::Sym("[") => {
            let mut k = i + 1;
            let mut lines = Vec::new();
            loop {
                match &tokens.get(k)?.0 {
                    Token::Sym("]") => return Some((lines, k + 1 - i)),
                    Token::Sym(",") => k += 1,
                    Token::Str(_) => {
                        let (s, used) = concatenation(tokens, k)?;
                        lines.push(s);
                        k += used;
                    }
                    _ => return None,
                }
            }
        }
        _ => None,
    }
}

#[derive(Debug, Clone)]
enum Value {
    Text(String),
    Lines(Vec<String>),
}

/// The cases of one spec file, and the calls that could not be read (as `file:line`).
pub fn cases_of(file: &str, text: &str) -> (Vec<Case>, Vec<String>) {
    let tokens = tokenize(text);
    let mut bindings: BTreeMap<String, Value> = BTreeMap::new();
    let mut cases = Vec::new();
    let mut unread = Vec::new();
    // A `?config` other than `def`, with the indentation of its line: it holds until an `it` or `describe` that is
    // indented less.
    let mut special: Option<usize> = None;
    let mut i = 0;
    while i < tokens.len() {
        let (token, line, indent) = &tokens[i];
        if let Some(config_indent) = special
            && matches!(token, Token::Ident(w) if w == "it" || w == "describe")
            && *indent < config_indent
        {
            special = None;
        }
        match token {
            Token::Ident(name) if name == "?config" && tokens.get(i + 1).map(|t| &t.0) == Some(&Token::Sym("=")) => {
                let is_def = tokens.get(i + 2).map(|t| &t.0) == Some(&Token::Ident("def".into()))
                    && tokens.get(i + 3).map(|t| &t.0) != Some(&Token::Sym("{"));
                special = if is_def { None } else { Some(*indent) };
                i += 3;
                continue;
            }
            Token::Ident(name) if tokens.get(i + 1).map(|t| &t.0) == Some(&Token::Sym("=")) => {
                // A binding: a list, a concatenation, or `Text.unlines [...]`.
                if let Some((lines, _)) = list_or_binding(&tokens, i + 2, &bindings) {
                    bindings.insert(name.clone(), Value::Lines(lines));
                } else if let Some((text, _)) = expression(&tokens, i + 2, &bindings) {
                    bindings.insert(name.clone(), Value::Text(text));
                }
                i += 2;
                continue;
            }
            Token::Ident(name) => {
                if let Some((_, catches, onbuild)) = CALLS.iter().find(|(c, ..)| c == name) {
                    let at = format!("{file}:{line}");
                    // The ID written out, or bound by a `let rule = "DL3067"`.
                    let id = match tokens.get(i + 1).map(|t| &t.0) {
                        Some(Token::Str(id)) => Some(id.clone()),
                        Some(Token::Ident(name)) => match bindings.get(name) {
                            Some(Value::Text(id)) => Some(id.clone()),
                            _ => None,
                        },
                        _ => None,
                    };
                    let Some(id) = id else {
                        unread.push(at);
                        i += 1;
                        continue;
                    };
                    match expression(&tokens, i + 2, &bindings) {
                        Some((dockerfile, used)) => {
                            cases.push(Case {
                                at,
                                id,
                                catches: *catches,
                                onbuild: *onbuild,
                                default_config: special.is_none(),
                                dockerfile,
                            });
                            i += 2 + used;
                            continue;
                        }
                        None => unread.push(at),
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    (cases, unread)
}

/// Each RUN instruction wrapped in ONBUILD, as hadolint's `onBuild` helpers do (continuation lines stay).
fn wrap_onbuild(text: &str) -> String {
    let mut out = String::new();
    let mut continued = false;
    for line in text.split_inclusive('\n') {
        let starts_run = !continued && line.trim_start().get(..4).is_some_and(|w| w.eq_ignore_ascii_case("RUN "));
        if starts_run {
            out.push_str("ONBUILD ");
        }
        out.push_str(line);
        continued = line.trim_end_matches(['\n', '\r']).ends_with('\\');
    }
    out
}

/// The hadolint IDs a stowage finding on `text` maps to.
fn reported(text: &str) -> BTreeSet<String> {
    lint_text(Kind::Dockerfile, "Dockerfile", text, &Policy::default())
        .iter()
        .filter_map(|f| registry::find(&f.rule))
        .flat_map(|r| r.hadolint_ids())
        .map(str::to_string)
        .collect()
}

/// A reviewed failing case: the spec's file and line, the helper called, whose answer is right and why.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Review {
    at: String,
    call: String,
    right: String,
    why: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Reviews {
    #[serde(default)]
    case: Vec<Review>,
}

/// The failing cases set against the reviews: each failure is reviewed or a problem, and each review names a case
/// that still fails, with a verdict and a reason, or it is a problem too (stale reviews would hide a regression).
struct Judged {
    lines: Vec<String>,
    problems: Vec<String>,
    right_stowage: usize,
}

impl Judged {
    fn of(failures: &[(String, &str, String)], reviews: &[Review], reviews_path: &str) -> Judged {
        let mut judged = Judged { lines: Vec::new(), problems: Vec::new(), right_stowage: 0 };
        let mut used = BTreeSet::new();
        for (at, kind, shown) in failures {
            match reviews.iter().position(|r| r.at == *at && r.call == *kind) {
                Some(i) => {
                    let r = &reviews[i];
                    judged.lines.push(format!("reviewed: {shown}; {} is right: {}", r.right, r.why));
                    judged.right_stowage += usize::from(r.right == "stowage");
                    used.insert(i);
                }
                None => {
                    judged.lines.push(format!("fails: {shown}"));
                    judged.problems.push(format!("{at} {kind} fails and is not reviewed in {reviews_path}"));
                }
            }
        }
        for (i, r) in reviews.iter().enumerate() {
            if !used.contains(&i) {
                judged.problems.push(format!("stale review in {reviews_path}: {} {} no longer fails", r.at, r.call));
            }
            if !matches!(r.right.as_str(), "stowage" | "hadolint") || r.why.trim().is_empty() {
                judged.problems.push(format!(
                    "review of {} {}: `right` must be stowage or hadolint, and `why` must say why",
                    r.at, r.call
                ));
            }
        }
        judged
    }
}

pub fn run(dir: &Path) -> Result<Problems> {
    let reviews_path = crate::crate_dir().join("hadolint-specs-disputes.toml");
    let reviews: Reviews = std::fs::read_to_string(&reviews_path)
        .map_err(|e| Fatal(format!("cannot read {}: {e}", reviews_path.display())))
        .and_then(|t| toml::from_str(&t).map_err(|e| Fatal(format!("{}: {e}", reviews_path.display()))))?;
    let specs = dir.join("test/Hadolint/Rule");
    if !specs.is_dir() {
        return Err(Fatal(format!(
            "{} is not a copy of hadolint's repository (no test/Hadolint/Rule/); fetch hadolint/hadolint and name its folder",
            dir.display()
        )));
    }
    let mapped: BTreeSet<&str> = registry::RULES.iter().flat_map(|r| r.hadolint_ids()).collect();
    let mut all = Vec::new();
    let mut unread = Vec::new();
    for path in sorted_files(&specs)?.into_iter().filter(|p| p.to_string_lossy().ends_with("Spec.hs")) {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let text = std::fs::read_to_string(&path).map_err(|e| Fatal(format!("cannot read {}: {e}", path.display())))?;
        let (cases, missed) = cases_of(&name, &text);
        all.extend(cases);
        unread.extend(missed);
    }
    // (catches passed, catches, catchesNot passed, catchesNot) per ID.
    let mut per_id: BTreeMap<String, [usize; 4]> = BTreeMap::new();
    let mut failures: Vec<(String, &str, String)> = Vec::new();
    let (mut other_config, mut unmapped) = (0, 0);
    for case in &all {
        if !case.default_config {
            other_config += 1;
            continue;
        }
        if !mapped.contains(case.id.as_str()) {
            unmapped += 1;
            continue;
        }
        let text = case.dockerfile.clone() + "\n";
        let text = if case.onbuild { wrap_onbuild(&text) } else { text };
        let found = reported(&text).contains(&case.id);
        let passed = found == case.catches;
        let slot = per_id.entry(case.id.clone()).or_default();
        let base = if case.catches { 0 } else { 2 };
        slot[base + 1] += 1;
        slot[base] += usize::from(passed);
        if !passed {
            let kind = match (case.catches, case.onbuild) {
                (true, false) => "ruleCatches",
                (false, false) => "ruleCatchesNot",
                (true, true) => "onBuildRuleCatches",
                (false, true) => "onBuildRuleCatchesNot",
            };
            failures.push((case.at.clone(), kind, format!("{} {} {kind}: {:?}", case.at, case.id, case.dockerfile)));
        }
    }
    println!("\nhadolint spec cases on mapped IDs, default configuration (catches, catchesNot: passed/cases)");
    println!("{:<10} {:>10} {:>12} {:>8}", "id", "catches", "catchesNot", "passed");
    let mut total = [0usize; 4];
    for (id, s) in &per_id {
        let share = (s[0] + s[2]) as f64 / (s[1] + s[3]).max(1) as f64 * 100.0;
        println!("{id:<10} {:>10} {:>12} {share:>7.1}%", format!("{}/{}", s[0], s[1]), format!("{}/{}", s[2], s[3]));
        for k in 0..4 {
            total[k] += s[k];
        }
    }
    let share = (total[0] + total[2]) as f64 / (total[1] + total[3]).max(1) as f64 * 100.0;
    println!(
        "{:<10} {:>10} {:>12} {share:>7.1}%",
        "all",
        format!("{}/{}", total[0], total[1]),
        format!("{}/{}", total[2], total[3])
    );
    println!(
        "cases read: {}; under another ?config: {other_config}; on IDs no rule maps: {unmapped}; calls not read: {}",
        all.len(),
        unread.len()
    );
    for at in &unread {
        println!("not read: {at}");
    }
    let reviewed_by = Judged::of(&failures, &reviews.case, &reviews_path.display().to_string());
    for line in &reviewed_by.lines {
        println!("{line}");
    }
    let (mut problems, right_stowage) = (reviewed_by.problems, reviewed_by.right_stowage);
    let reviewed = (total[0] + total[2] + right_stowage) as f64 / (total[1] + total[3]).max(1) as f64 * 100.0;
    println!("reviewed (a case where stowage is right counts as passed): {reviewed:.1}%");
    if share < 95.0 {
        problems.push(format!(
            "{share:.1}% of hadolint's spec cases on mapped IDs pass ({} of {}), under the 95% bar",
            total[0] + total[2],
            total[1] + total[3]
        ));
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_need_a_current_review() {
        let review = |at: &str, call: &str, right: &str, why: &str| Review {
            at: at.into(),
            call: call.into(),
            right: right.into(),
            why: why.into(),
        };
        let failures = vec![
            ("DL3008Spec.hs:10".to_string(), "ruleCatches", "DL3008Spec.hs:10 DL3008 ruleCatches: \"..\"".to_string()),
            ("DL3009Spec.hs:20".to_string(), "ruleCatchesNot", "DL3009Spec.hs:20 ...".to_string()),
        ];
        let reviews = vec![
            review("DL3008Spec.hs:10", "ruleCatches", "stowage", "the package is pinned by the base image"),
            review("DL3010Spec.hs:5", "ruleCatches", "hadolint", "fixed since"),
            review("DL3009Spec.hs:20", "ruleCatches", "nobody", " "),
        ];
        let judged = Judged::of(&failures, &reviews, "disputes.toml");
        assert_eq!(judged.right_stowage, 1);
        assert_eq!(
            judged.problems,
            [
                "DL3009Spec.hs:20 ruleCatchesNot fails and is not reviewed in disputes.toml",
                "stale review in disputes.toml: DL3010Spec.hs:5 ruleCatches no longer fails",
                "stale review in disputes.toml: DL3009Spec.hs:20 ruleCatches no longer fails",
                "review of DL3009Spec.hs:20 ruleCatches: `right` must be stowage or hadolint, and `why` must say why",
            ]
        );
        assert!(judged.lines[0].starts_with("reviewed: DL3008Spec.hs:10"), "{:?}", judged.lines);
        assert!(judged.lines[1].starts_with("fails: DL3009Spec.hs:20"), "{:?}", judged.lines);
        let clean = Judged::of(&failures[..1], &reviews[..1], "disputes.toml");
        assert!(clean.problems.is_empty(), "{:?}", clean.problems);
    }

    /// Written in the specs' own shapes (not copied from them): a literal, a `let` list under `Text.unlines`, a
    /// concatenation, an `onBuild` call, a special `?config` that ends with its `it`.
    #[test]
    fn reads_the_shapes_of_spec_calls() {
        let spec = r#"
spec = do
  let ?config = def
  describe "X" $ do
    it "a" $ ruleCatches "DL1" "RUN a \
       \&& b"
    it "b" $
      let dockerFile =
            [ "FROM x",
              "RUN y" <> " z"
            ]
       in do
            ruleCatchesNot "DL2" $ Text.unlines dockerFile
            onBuildRuleCatches "DL2" $ Text.unlines dockerFile
    it "c" $ do
      let ?config = def {strictLabels = True}
      ruleCatches "DL3" "LABEL a=b"
    it "d" $ ruleCatchesNot "DL4" (Text.intercalate "\n" ["A", "B"])
"#;
        let (cases, unread) = cases_of("XSpec.hs", spec);
        assert!(unread.is_empty(), "{unread:?}");
        let got: Vec<(&str, bool, bool, bool, &str)> = cases
            .iter()
            .map(|c| (c.id.as_str(), c.catches, c.onbuild, c.default_config, c.dockerfile.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("DL1", true, false, true, "RUN a && b"),
                ("DL2", false, false, true, "FROM x\nRUN y z\n"),
                ("DL2", true, true, true, "FROM x\nRUN y z\n"),
                ("DL3", true, false, false, "LABEL a=b"),
                ("DL4", false, false, true, "A\nB"),
            ]
        );
        assert_eq!(wrap_onbuild("FROM x\nRUN a \\\n  RUN b\n"), "FROM x\nONBUILD RUN a \\\n  RUN b\n");
    }
}
