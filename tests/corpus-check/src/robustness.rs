//! Malformed input is a finding with a location, never a crash, on real files: every file of a corpus folder is
//! linted with the default policy, then cut at arbitrary bytes and mutated (lines dropped or duplicated, awkward
//! bytes inserted), which is where hand-written parsers break. A panic is caught and reported with the file and
//! the input that caused it. On the folder the snapshots were made for, the files reported as malformed (GN001,
//! DF088) must be exactly those of the snapshots' `malformed.txt` (`UPDATE_EXPECT=1` rewrites it).
//!
//! The same truncations and mutations run on the validate stage's rule fixtures in `cargo test` (this crate's
//! tests); the hand-made malformed files and the replayed fuzz corpus are the validate stage's own tests.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use stowage_validate::{Kind, Policy, lint, lint_text};

use crate::{Corpus, Fatal, Problems, Result};

pub fn run(corpus: &Corpus) -> Result<Problems> {
    let inputs = corpus.discovered();
    let mut problems = Vec::new();
    let whole = catch_unwind(AssertUnwindSafe(|| lint(&inputs, &Policy::default())));
    let Ok(result) = whole else {
        // One process over every file crashed: find the file, one by one.
        for input in &inputs {
            if catch_unwind(AssertUnwindSafe(|| lint(std::slice::from_ref(input), &Policy::default()))).is_err() {
                problems.push(format!("{}: the linter panics on this file", input.file));
            }
        }
        return Ok(problems);
    };
    let mut malformed: Vec<String> = result
        .findings
        .iter()
        .filter(|f| f.rule == "GN001" || f.rule == "DF088")
        .map(|f| format!("{}:{} {}\n", f.file, f.line.unwrap_or(0), f.rule))
        .collect();
    malformed.dedup();
    println!("{} files linted, {} malformed-file findings (GN001, DF088)", inputs.len(), malformed.len());
    if let Some(snapshots) = &corpus.snapshots {
        let path = snapshots.join("malformed.txt");
        let text = malformed.concat();
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&path, &text).map_err(|e| Fatal(format!("cannot write {}: {e}", path.display())))?;
        } else if std::fs::read_to_string(&path).unwrap_or_default() != text {
            problems.push(format!(
                "the files reported as malformed changed; review and rewrite {} with `UPDATE_EXPECT=1 cargo xtask \
                 corpus-check --only robustness`:\n{text}",
                path.display()
            ));
        }
    }
    let mut files = Vec::new();
    for (sub, kind) in [("dockerfiles", Kind::Dockerfile), ("k8s", Kind::Kubernetes), ("compose", Kind::Compose)] {
        files.extend(corpus.files(sub)?.into_iter().map(|p| (kind, p)));
    }
    problems.extend(never_crash(&files));
    Ok(problems)
}

/// Lints truncations of every third file and seeded mutations of every fifth, of the given kinds; a panic is a
/// problem naming the file and how it was changed.
pub fn never_crash(files: &[(Kind, PathBuf)]) -> Problems {
    let mut problems = Vec::new();
    let mut check = |kind: Kind, path: &PathBuf, how: &str, text: &str| {
        if catch_unwind(AssertUnwindSafe(|| lint_text(kind, "x", text, &Policy::default()))).is_err() {
            problems.push(format!("{}: the linter panics on it {how}", path.display()));
        }
    };
    let mut n = 0;
    for kind in [Kind::Dockerfile, Kind::Kubernetes, Kind::Compose] {
        let of_kind: Vec<&PathBuf> = files.iter().filter(|(k, _)| *k == kind).map(|(_, p)| p).collect();
        for path in of_kind.iter().step_by(3) {
            let Ok(text) = std::fs::read_to_string(path) else { continue };
            for cut in 1..8 {
                let mut at = text.len() * cut / 8;
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                check(kind, path, &format!("cut at byte {at}"), &text[..at]);
            }
        }
        for path in of_kind.iter().step_by(5) {
            let Ok(text) = std::fs::read_to_string(path) else { continue };
            let seed = 0x9e37_79b9_7f4a_7c15 ^ n as u64;
            n += 1;
            let mut rng = Rng(seed);
            for round in 0..6 {
                let mutated = mutate(&text, &mut rng);
                check(kind, path, &format!("mutated (seed {seed:#x}, round {round})"), &mutated);
            }
        }
    }
    problems
}

/// Three random line edits: a line dropped, duplicated, or with an awkward string inserted.
fn mutate(text: &str, rng: &mut Rng) -> String {
    const NASTY: &[&str] =
        &["\\", "`", "'", "\"", "$(", "${", "<<EOF", "\t", ":", "- ", "[", "{", "#", "&&", "|", "\u{0}", "é"];
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for _ in 0..3 {
        if lines.is_empty() {
            break;
        }
        let i = rng.below(lines.len());
        match rng.below(3) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            _ => {
                let line = &mut lines[i];
                let mut at = rng.below(line.len() + 1);
                while !line.is_char_boundary(at) {
                    at -= 1;
                }
                line.insert_str(at, NASTY[rng.below(NASTY.len())]);
            }
        }
    }
    lines.join("\n")
}

/// A small deterministic generator (xorshift), so that a failure reproduces from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}
