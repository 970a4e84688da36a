//! `stowage-dockerfile`: the dockerfile stage (`--context ... --out ... --report ...`) and `knowledge`, which prints
//! the knowledge base's date, its age and what has passed end of life since.

use std::process::ExitCode;

use stowage_dockerfile::knowledge::{Date, Knowledge};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("knowledge") {
        return knowledge(&args[1..]);
    }
    stowage_kit::run_main(
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")),
        env!("CARGO_PKG_VERSION"),
        stowage_dockerfile::run_stage,
    )
}

const KNOWLEDGE_HELP: &str = "\
usage: stowage-dockerfile knowledge [--today YYYY-MM-DD]

Prints the date of the knowledge base the Dockerfiles are generated from (policies/knowledge.toml), its age in
days and every release line and OS release that has reached end of life since that date. Generation never reads
the clock; this command does, to tell you how stale the base is. --today replaces the clock.";

fn knowledge(args: &[String]) -> ExitCode {
    let mut today = Date::today();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-h" | "--help" => {
                println!("{KNOWLEDGE_HELP}");
                return ExitCode::SUCCESS;
            }
            "--today" => match args.get(i + 1).and_then(|d| Date::parse(d)) {
                Some(d) => {
                    today = d;
                    i += 1;
                }
                None => {
                    eprintln!("error: --today needs a date as YYYY-MM-DD\n\n{KNOWLEDGE_HELP}");
                    return ExitCode::from(2);
                }
            },
            other => {
                eprintln!("error: unexpected argument `{other}`\n\n{KNOWLEDGE_HELP}");
                return ExitCode::from(2);
            }
        }
        i += 1;
    }
    let kb = Knowledge::embedded();
    let age = today.days() - kb.as_of.days();
    let mut out = format!("knowledge base as of {} ({age} days old on {today})\n", kb.as_of);
    let passed = kb.passed_since(today);
    if passed.is_empty() {
        out.push_str("nothing in it has reached end of life since\n");
    } else {
        out.push_str(&format!("reached end of life since {}:\n", kb.as_of));
        for p in passed {
            out.push_str(&format!("  {p}\n"));
        }
    }
    let languages: Vec<String> = kb
        .language
        .iter()
        .map(|l| {
            let supported: Vec<&str> =
                l.line.iter().filter(|x| x.supported_at(today)).map(|x| x.version.as_str()).collect();
            format!("  {}: {}", l.name, if supported.is_empty() { "none".into() } else { supported.join(", ") })
        })
        .collect();
    out.push_str(&format!("supported on {today}, by the base's dates:\n{}\n", languages.join("\n")));
    print!("{out}");
    ExitCode::SUCCESS
}
