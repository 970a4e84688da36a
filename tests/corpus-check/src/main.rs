//! `corpus-check`: the corpus-wide checks, run by `cargo xtask corpus-check` (which resolves the default folders
//! and checks that the judges are installed); see lib.rs and docs/corpus-check.md.
//!
//! Usage: corpus-check --corpus DIR [--disputes FILE] [--corpus DIR [--disputes FILE]]... [--only CHECK,...]
//!        [--write-expected] [--hadolint-specs DIR]
//! A `--disputes` applies to the `--corpus` before it. Exit 0 when every check passes, 1 when one fails, 2 on a
//! usage error or when a check cannot run (a missing folder, judge or expected file); a check that cannot run is
//! reported and the others still run.

use std::path::PathBuf;
use std::process::ExitCode;

use corpus_check::{CHECKS, Corpus, Fatal, expected};

struct Args {
    /// Each folder with the disputes file named for it.
    corpora: Vec<(PathBuf, Option<PathBuf>)>,
    only: Option<Vec<String>>,
    write_expected: bool,
    /// A copy of hadolint's repository, whose rule specs are run as a conformance suite.
    hadolint_specs: Option<PathBuf>,
}

// A hand-written parser: the binary is internal (xtask's clap declaration is the documented interface), and four
// flags do not justify a second argument-parsing dependency in this crate.
fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, Fatal> {
    let mut parsed = Args { corpora: Vec::new(), only: None, write_expected: false, hadolint_specs: None };
    let value = |flag: &str, v: Option<String>| v.ok_or_else(|| Fatal(format!("{flag} needs a value")));
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--corpus" => parsed.corpora.push((PathBuf::from(value("--corpus", args.next())?), None)),
            "--disputes" => {
                let file = PathBuf::from(value("--disputes", args.next())?);
                match parsed.corpora.last_mut() {
                    Some((_, slot @ None)) => *slot = Some(file),
                    _ => return Err(Fatal("--disputes FILE goes after the --corpus DIR it is for, once each".into())),
                }
            }
            "--only" => {
                let names: Vec<String> = value("--only", args.next())?.split(',').map(str::to_string).collect();
                if let Some(bad) = names.iter().find(|n| !CHECKS.iter().any(|c| c.name == n.as_str())) {
                    let all: Vec<&str> = CHECKS.iter().map(|c| c.name).collect();
                    return Err(Fatal(format!("--only: no check named `{bad}`; the checks are {}", all.join(", "))));
                }
                parsed.only = Some(names);
            }
            "--write-expected" => parsed.write_expected = true,
            "--hadolint-specs" => parsed.hadolint_specs = Some(PathBuf::from(value("--hadolint-specs", args.next())?)),
            other => return Err(Fatal(format!("unknown argument `{other}`; see docs/corpus-check.md"))),
        }
    }
    if parsed.corpora.is_empty() && parsed.hadolint_specs.is_none() {
        return Err(Fatal(
            "name a corpus folder with --corpus DIR (or hadolint's repository with --hadolint-specs DIR)".into(),
        ));
    }
    Ok(parsed)
}

fn run() -> Result<bool, Fatal> {
    let args = parse(std::env::args().skip(1))?;
    // Open every folder first, so a typo in the last one fails before minutes of checks on the first.
    let mut corpora = Vec::new();
    for (dir, disputes) in &args.corpora {
        corpora.push(Corpus::open(dir, disputes.as_deref())?);
    }
    let (mut passed, mut failed, mut not_run) = (0, 0, 0);
    for corpus in &corpora {
        if args.write_expected {
            expected::write_all(corpus)?;
        }
        for check in CHECKS {
            if args.only.as_ref().is_some_and(|only| !only.iter().any(|n| n == check.name)) {
                continue;
            }
            if check.needs_snapshots && corpus.snapshots.is_none() {
                println!(
                    "\n== {} on {}: skipped, its snapshots are for the shared corpus",
                    check.name,
                    corpus.dir.display()
                );
                continue;
            }
            println!("\n== {} on {}", check.name, corpus.dir.display());
            // A check that cannot run does not stop the others: every folder and check is reported, then exit 2.
            let problems = match (check.run)(corpus) {
                Ok(problems) => problems,
                Err(e) => {
                    eprintln!("error: {}: {e}", check.name);
                    println!("-- {}: could not run", check.name);
                    not_run += 1;
                    continue;
                }
            };
            if problems.is_empty() {
                println!("-- {}: ok", check.name);
                passed += 1;
            } else {
                for p in &problems {
                    println!("problem: {p}");
                }
                println!("-- {}: {} problems", check.name, problems.len());
                failed += 1;
            }
        }
    }
    if let Some(dir) = &args.hadolint_specs {
        println!("\n== hadolint's rule specs in {}", dir.display());
        match corpus_check::hadolint_specs::run(dir) {
            Ok(problems) if problems.is_empty() => {
                println!("-- hadolint-specs: ok");
                passed += 1;
            }
            Ok(problems) => {
                for p in &problems {
                    println!("problem: {p}");
                }
                println!("-- hadolint-specs: {} problems", problems.len());
                failed += 1;
            }
            Err(e) => {
                eprintln!("error: hadolint-specs: {e}");
                println!("-- hadolint-specs: could not run");
                not_run += 1;
            }
        }
    }
    println!("\ncorpus-check: {passed} passed, {failed} failed, {not_run} could not run");
    if not_run > 0 {
        return Err(Fatal(format!("{not_run} checks could not run (see the errors above)")));
    }
    Ok(failed == 0)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
