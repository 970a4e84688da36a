//! `stowage-validate`: the validate stage of the pipeline (`--context ... --out ... --report ...`), the linter
//! (`lint [PATH...]`) and the rule documentation (`explain CODE`).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use stowage_kit::FailOn;
use stowage_validate::{Policy, discover, docs, lint_within, output, registry};

const USAGE: &str = "\
usage: stowage-validate lint [OPTIONS] [PATH...]     check Dockerfiles, compose files, Kubernetes manifests and Helm charts
       stowage-validate explain [CODE]               print a rule's documentation, or the list of rules
       stowage-validate rules test|docs [DIR...]     test team rules against their examples, or print their docs
       stowage-validate --context <file.json> --out <dir> --report <file>   (the validate stage)
       stowage-validate --describe
Run `stowage-validate lint --help`, `stowage-validate explain --help` or `stowage-validate rules --help` for details.";

/// `lint --help`. Embedded in docs/cli.md by `cargo xtask codegen`, so it must not depend on the machine.
const LINT_HELP: &str = "\
usage: stowage-validate lint [OPTIONS] [PATH...]

Checks every file found under each PATH (default: the current folder) with one rule set: Dockerfiles and
Containerfiles (Dockerfile, Dockerfile.prod, api.Dockerfile), compose files (*compose*.yaml or .yml, or YAML with
top-level `services`), Kubernetes manifests (YAML with `apiVersion` and `kind`) and Helm charts (Chart.yaml; their
templates are not rendered). .git, target and node_modules are skipped, and so are symbolic links inside a
folder (the file they point to is checked under its own name); a link named as a PATH is followed. Only regular
files inside each PATH are read: a link leading out of it, a pipe, socket or device named like a checked file, and
a folder that cannot be listed are GN002 findings, never read. A file named as a PATH that is none of these kinds
is noted on standard error and not checked.

options:
  -f, --format <FORMAT>   output format: `human` (the source line with a caret, like rustc) or `json`
                          (findings[].rule, .severity, .file, .line, .column, .message); default: human
  -o, --output <FILE>     write the report to FILE instead of standard output
      --report <FORMAT=PATH>
                          also write the findings to PATH as FORMAT: sarif (SARIF 2.1.0 for code scanning, paths
                          relative to the repository root), junit, markdown, html or json; may be repeated, and
                          is written whatever the exit code
      --policy <FILE>     policy TOML (enable, disable, severity, trusted registries, allowed base images, required
                          labels, label schema); default: the [stages.validate] table of ./stowage.toml, if any
      --compliance <LIST> judge these compliance frameworks control by control (comma-separated, may be
                          repeated): pss-baseline, pss-restricted, cis-docker-1.6.0, nsa-cisa-k8s-1.2;
                          default: the `compliance` list of ./stowage.toml, if any
      --baseline <FILE>   report and fail on only the findings not in FILE, a JSON report saved earlier
                          (`lint --format json`, or a run's report.json); a finding is the same when its rule,
                          file and message are
      --docs-url <URL>    the web address stowage's docs/ folder is published under, so that reports link each
                          rule's page (docs/rules/CODE.md); default: `[report] docs_url` of ./stowage.toml; without
                          one, reports name rules without links
      --fail-on <LEVEL>   lowest severity that fails the run: info, warning, error or never; default: the policy's
                          fail_on, else warning
  -h, --help              print this help
      --                  treat every later argument as a PATH

Inline ignores: `# stowage: ignore[CODE] reason` before the instruction or YAML block it silences,
`# stowage: ignore-file[CODE] reason` for a whole file; `# hadolint ignore=DLxxxx` is honoured for the mapped
rules, and so are checkov's `# checkov:skip=CKV_ID:reason` comments and `checkov.io/skipN: CKV_ID=reason`
annotations (a Dockerfile's reach the whole file, a YAML one its document). `stowage-validate explain CODE`
documents a rule.

exit codes:
  0  no finding at or above the --fail-on level
  1  findings at or above the --fail-on level, including a file that cannot be parsed or read (GN001, GN002)
  2  a PATH that does not exist, a bad option or value, or a policy file that cannot be read or parsed";

/// `rules --help`.
const RULES_HELP: &str = "\
usage: stowage-validate rules test [DIR...]
       stowage-validate rules docs [DIR...]

Team rules are checks a team declares in TOML files, without Rust (docs/team-rules.md has the schema and an
example): each `*.toml` of a folder named in the policy's `team_rules` list, and of share/stowage/rules/ beside the
installed stowage. Their codes are the team's prefix, a hyphen and digits (`ACME-001`), so they never collide with
stowage's; ignores, the policy, `explain` and every report format treat them like built-in rules.

  test   checks every rule against its own examples: its `bad` example must be reported, its `good` one must not
  docs   prints the rules' documentation (an index and a page per rule) as Markdown, generated from the TOML

Without DIR, the rules are those `lint` would load: the `team_rules` folders of ./stowage.toml's
[stages.validate] table and the installed ones. With DIRs, the rule files in those folders only.

options:
  -h, --help   print this help

exit codes:
  0  every rule passed its examples (test), or the docs were printed
  1  a rule failed its examples
  2  a rule file that cannot be read or is not valid (named at file:line:column), a DIR that does not exist, or
     no rules at all";

/// `explain --help`.
const EXPLAIN_HELP: &str = "\
usage: stowage-validate explain [CODE...]

Without CODE, lists every rule (code, target, severity, title). With one or more CODEs (e.g. DF002, case-insensitive),
prints each rule's page in turn: what it checks, why, how to fix it, references and the equivalent hadolint, checkov,
kube-linter and Trivy IDs (the same text as docs/rules/CODE.md).

options:
  -h, --help   print this help

exit codes:
  0  the list or the pages were printed
  2  an unknown CODE (nothing is printed)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("lint") => lint_main(&args[1..]),
        Some("explain") => explain_main(&args[1..]),
        Some("rules") => rules_main(&args[1..]),
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => stowage_kit::run_main(
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")),
            env!("CARGO_PKG_VERSION"),
            stowage_validate::stage::run,
        ),
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}\n{USAGE}");
    ExitCode::from(2)
}

fn explain_main(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{EXPLAIN_HELP}");
        return ExitCode::SUCCESS;
    }
    if let Err(e) = policy_from_stowage_toml(Path::new("stowage.toml")) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    if args.is_empty() {
        let team = stowage_validate::team::active();
        let mut text = docs::index();
        if !team.is_empty() {
            text.push_str(&format!("## Team rules ({} rules)\n\n", team.len()));
            text.push_str(&stowage_validate::team::index(team));
        }
        return print_or_fail(&text, ExitCode::SUCCESS);
    }
    let unknown: Vec<String> = args
        .iter()
        .filter(|code| registry::find(code).is_none())
        .map(|code| format!("`{}`", stowage_kit::escape_controls(code)))
        .collect();
    if !unknown.is_empty() {
        eprintln!("error: unknown rule {}; run `{} explain` for the list", unknown.join(", "), command_name());
        return ExitCode::from(2);
    }
    let page = |code: &String| match stowage_validate::team::find(code) {
        Some(team) => Some(stowage_validate::team::page(team)),
        None => registry::find(code).map(docs::page),
    };
    let pages: Vec<String> = args.iter().filter_map(page).collect();
    print_or_fail(&pages.join("\n"), ExitCode::SUCCESS)
}

fn rules_main(args: &[String]) -> ExitCode {
    use stowage_validate::team;
    if args.is_empty() || args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{RULES_HELP}");
        return if args.is_empty() { ExitCode::from(2) } else { ExitCode::SUCCESS };
    }
    let action = args[0].as_str();
    if !matches!(action, "test" | "docs") {
        return usage_error(&format!(
            "unknown `rules` action `{}`: use test or docs",
            stowage_kit::escape_controls(action)
        ));
    }
    let dirs = &args[1..];
    if let Some(flag) = dirs.iter().find(|d| d.starts_with('-')) {
        return usage_error(&format!("unknown option `{}`", stowage_kit::escape_controls(flag)));
    }
    let loaded = if dirs.is_empty() {
        policy_from_stowage_toml(Path::new("stowage.toml")).map(|_| ())
    } else {
        let folders: Vec<(PathBuf, String)> = dirs.iter().map(|d| (PathBuf::from(d), d.clone())).collect();
        team::load(&folders, None, "the command line", false).and_then(team::register)
    };
    if let Err(e) = loaded {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let rules = team::active();
    if rules.is_empty() {
        eprintln!(
            "error: no team rules found: name rule folders as DIRs, in `team_rules` of ./stowage.toml's \
             [stages.validate], or install them in share/stowage/rules/ beside stowage"
        );
        return ExitCode::from(2);
    }
    if action == "docs" {
        return print_or_fail(&team::docs(rules), ExitCode::SUCCESS);
    }
    let mut text = String::new();
    let tested = team::test(rules);
    let failed = tested.iter().filter(|t| !t.problems.is_empty()).count();
    for t in &tested {
        if t.problems.is_empty() {
            text.push_str(&format!("ok    {}  {}\n", t.code, t.origin));
        }
        for problem in &t.problems {
            text.push_str(&format!("FAIL  {}  {}: {problem}\n", t.code, t.origin));
        }
    }
    text.push_str(&format!("{} rules: {} passed, {failed} failed\n", tested.len(), tested.len() - failed));
    print_or_fail(&text, if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// How the person typing reaches this binary, for messages that name a command: the runner that handed over
/// (`cargo xtask`, `stowage`) says so in `STOWAGE_COMMAND`; run directly, it is this binary.
fn command_name() -> String {
    std::env::var("STOWAGE_COMMAND")
        .ok()
        .filter(|c| matches!(c.as_str(), "cargo xtask" | "stowage"))
        .unwrap_or_else(|| "stowage-validate".into())
}

/// Prints `text` and returns `code`; standard output that cannot be written is an error (exit 2), not a panic as
/// with `print!`. A reader that closed the pipe early (`| head`) wanted no more: that ends the run quietly.
fn print_or_fail(text: &str, code: ExitCode) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("error: cannot write standard output: {e}");
            ExitCode::from(2)
        }
        _ => code,
    }
}

/// Writes the report to `path` in one step: into a temporary file beside it, then renamed over it, so that a
/// reader (or a failed write) never sees half a report. A pipe or device (`--output /dev/stdout`) cannot be
/// replaced and is written directly; a symlink's target is replaced, not the link.
fn write_report(path: &Path, text: &str) -> std::io::Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return std::fs::write(path, text);
    }
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let name = target.file_name().map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    let temp = target.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::File::create_new(&temp)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&temp, &target));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// Without `--policy`, the `[stages.validate]` table of ./stowage.toml applies, so that `stowage lint` in a
/// pre-commit hook judges like the pipeline's validate stage.
fn policy_from_stowage_toml(path: &Path) -> Result<Policy, String> {
    /// Only `[stages.validate]` is read; the rest of stowage.toml belongs to the runner and other stages.
    #[derive(serde::Deserialize)]
    struct File {
        stages: Option<Stages>,
    }
    #[derive(serde::Deserialize)]
    struct Stages {
        validate: Option<Policy>,
    }
    let shown = path.display().to_string();
    // Without a table of its own, the rules installed beside stowage still apply.
    let installed_only = || {
        let policy = Policy::default();
        policy.load_team_rules(Path::new("."), None, &shown).map(|()| policy)
    };
    let Ok(text) = std::fs::read_to_string(path) else { return installed_only() };
    // Read as TOML, not through JSON, so that a wrong type or key is reported at its line.
    let file: File = toml::from_str(&text).map_err(|e| format!("invalid {}: {e}", path.display()))?;
    let Some(policy) = file.stages.and_then(|s| s.validate) else { return installed_only() };
    policy.checked(&shown, &text)
}

/// Without `--docs-url`, the `[report] docs_url` of ./stowage.toml applies, as in the pipeline.
fn docs_url_from_stowage_toml(path: &Path) -> Result<String, String> {
    #[derive(serde::Deserialize)]
    struct File {
        #[serde(default)]
        report: Report,
    }
    #[derive(serde::Deserialize, Default)]
    struct Report {
        #[serde(default)]
        docs_url: String,
    }
    let Ok(text) = std::fs::read_to_string(path) else { return Ok(String::new()) };
    let file: File = toml::from_str(&text).map_err(|e| format!("invalid {}: {e}", path.display()))?;
    Ok(file.report.docs_url)
}

/// Without `--compliance`, the top-level `compliance` list of ./stowage.toml applies, as in the pipeline.
fn compliance_from_stowage_toml(path: &Path) -> Result<Vec<String>, String> {
    #[derive(serde::Deserialize)]
    struct File {
        #[serde(default)]
        compliance: Vec<String>,
    }
    let Ok(text) = std::fs::read_to_string(path) else { return Ok(Vec::new()) };
    let file: File = toml::from_str(&text).map_err(|e| format!("invalid {}: {e}", path.display()))?;
    Ok(file.compliance)
}

/// The JSON report with a `compliance` list of controls, when frameworks were chosen.
fn with_controls(json: String, controls: &[stowage_render::ControlResult]) -> String {
    if controls.is_empty() {
        return json;
    }
    let mut value: serde_json::Value = serde_json::from_str(&json).expect("the JSON report parses");
    value["compliance"] = serde_json::to_value(controls).expect("controls serialize");
    serde_json::to_string_pretty(&value).expect("JSON serializes") + "\n"
}

fn lint_main(args: &[String]) -> ExitCode {
    let mut format = "human".to_string();
    let mut output_file: Option<PathBuf> = None;
    let mut policy_file: Option<PathBuf> = None;
    let mut fail_on: Option<FailOn> = None;
    let mut reports: Vec<(stowage_render::Format, PathBuf)> = Vec::new();
    let mut compliance: Option<Vec<String>> = None;
    let mut baseline: Option<PathBuf> = None;
    let mut docs_url: Option<String> = None;
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value =
            |name: &str| inline.clone().or_else(|| it.next().cloned()).ok_or(format!("`{name}` needs a value"));
        let result = match flag {
            "--format" | "-f" => value(flag).map(|v| format = v),
            "--output" | "-o" => value(flag).map(|v| output_file = Some(v.into())),
            "--policy" => value(flag).map(|v| policy_file = Some(v.into())),
            "--compliance" => value(flag).map(|v| {
                compliance
                    .get_or_insert_with(Vec::new)
                    .extend(v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from))
            }),
            "--baseline" => value(flag).map(|v| baseline = Some(v.into())),
            "--docs-url" => value(flag).map(|v| docs_url = Some(v)),
            "--report" => value(flag).and_then(|v| stowage_render::parse_report_arg(&v)).map(|r| reports.push(r)),
            "--fail-on" => value(flag).and_then(|v| {
                serde_json::from_value(serde_json::Value::String(v.clone()))
                    .map(|f| fail_on = Some(f))
                    .map_err(|_| format!("`--fail-on {v}`: use info, warning, error or never"))
            }),
            "--help" | "-h" => {
                println!("{LINT_HELP}");
                return ExitCode::SUCCESS;
            }
            "--" => {
                paths.extend(it.by_ref().map(PathBuf::from));
                Ok(())
            }
            f if f.starts_with('-') && f.len() > 1 => Err(format!("unknown option `{f}`")),
            _ => {
                paths.push(arg.into());
                Ok(())
            }
        };
        if let Err(e) = result {
            return usage_error(&e);
        }
    }
    if !matches!(format.as_str(), "human" | "json") {
        return usage_error(&format!(
            "unknown format `{format}`: use human or json (`--report FORMAT=PATH` writes sarif, junit, markdown and html)"
        ));
    }
    let policy = match &policy_file {
        Some(p) => match std::fs::read_to_string(p) {
            Ok(text) => match Policy::from_toml(&text, &p.display().to_string()) {
                Ok(policy) => policy,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            },
            Err(e) => {
                eprintln!("error: cannot read policy {}: {e}", p.display());
                return ExitCode::from(2);
            }
        },
        None => match policy_from_stowage_toml(Path::new("stowage.toml")) {
            Ok(policy) => policy,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let frameworks = match compliance.map_or_else(|| compliance_from_stowage_toml(Path::new("stowage.toml")), Ok) {
        Ok(names) => match stowage_validate::compliance::parse(&names) {
            Ok(f) => f,
            Err(e) => return usage_error(&e),
        },
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let docs_url = match docs_url.map_or_else(|| docs_url_from_stowage_toml(Path::new("stowage.toml")), Ok) {
        Ok(url) if url.is_empty() || stowage_render::is_web_link(&url) => url,
        Ok(url) => {
            return usage_error(&format!(
                "docs address {url:?} is not an http:// or https:// address with no spaces, quotes or brackets; \
                 give one such as https://docs.example.com/stowage/"
            ));
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let fail_on = fail_on.or(policy.fail_on).unwrap_or(FailOn::Warning);
    if paths.is_empty() {
        paths.push(".".into());
    }
    let mut inputs = Vec::new();
    for path in &paths {
        if !path.exists() {
            eprintln!("error: {} does not exist", path.display());
            return ExitCode::from(2);
        }
        let display = |p: &Path| {
            let s = p.to_string_lossy().replace('\\', "/");
            s.strip_prefix("./").map(str::to_string).unwrap_or(s)
        };
        let before = inputs.len();
        discover::walk(path, &[], &display, &mut inputs);
        // A file named on the command line that is none of the kinds checked would otherwise pass unnoticed.
        if inputs.len() == before && path.is_file() {
            eprintln!(
                "note: {} is not a Dockerfile, compose file, Kubernetes manifest or Helm chart; not checked",
                path.display()
            );
        }
    }
    inputs.sort();
    inputs.dedup();
    // A report would replace a file the run reads: refuse before anything is written.
    let outputs = output_file.iter().map(|f| ("--output", f)).chain(reports.iter().map(|(_, p)| ("--report", p)));
    for (flag, file) in outputs {
        if let Some(out) = std::fs::canonicalize(file).ok()
            && let Some(input) = inputs.iter().find(|i| std::fs::canonicalize(&i.path).is_ok_and(|p| p == out))
        {
            eprintln!(
                "error: {flag} {} is one of the files being checked ({}); write the report elsewhere",
                file.display(),
                input.file
            );
            return ExitCode::from(2);
        }
    }
    // Each PATH bounds what its files may read (a chart's values.yaml linked out of it is not read); a file named
    // as a PATH is read where it is.
    let roots: Vec<PathBuf> = paths.iter().filter(|p| p.is_dir()).cloned().collect();
    let mut result = lint_within(&roots, &inputs, &policy);
    if let Some(file) = &baseline {
        let dropped = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read baseline {}: {e}", file.display()))
            .and_then(|text| {
                stowage_validate::reporting::apply_baseline(&mut result, &text, &file.display().to_string())
            });
        match dropped {
            Ok(n) => eprintln!(
                "note: {n} finding{} of the baseline {} not reported",
                if n == 1 { "" } else { "s" },
                file.display()
            ),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let controls = stowage_validate::compliance::evaluate(&frameworks, &result, &policy);
    if !reports.is_empty() {
        stowage_validate::reporting::add_snippets(&mut result);
        let rules = stowage_validate::reporting::rules_of(&result);
        let prefix = stowage_render::src_prefix(Path::new("."));
        let app = if prefix.is_empty() { "lint".to_string() } else { prefix.trim_end_matches('/').to_string() };
        let input = stowage_render::Input {
            app: &app,
            version: env!("CARGO_PKG_VERSION"),
            src_prefix: &prefix,
            findings: &result.findings,
            suppressed: &result.suppressed,
            rules: &rules,
            controls: &controls,
            checks: &[],
            docs_url: &docs_url,
        };
        for (format, path) in &reports {
            let text = format.render(&input).unwrap_or_else(|| with_controls(output::json(&result), &controls));
            if let Err(e) = write_report(path, &text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    let to_terminal =
        output_file.is_none() && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let text = match format.as_str() {
        "json" => with_controls(output::json(&result), &controls),
        _ => output::human(&result, to_terminal) + &stowage_render::controls_text(&controls),
    };
    let failed = result.findings.iter().any(|f| fail_on.fails(f.severity));
    // Freeing every parsed file one by one is a measurable share of a lint run; the process ends here anyway.
    std::mem::forget(result);
    let code = if failed { ExitCode::from(1) } else { ExitCode::SUCCESS };
    match &output_file {
        Some(file) => match write_report(file, &text) {
            Ok(()) => code,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", file.display());
                ExitCode::from(2)
            }
        },
        None => print_or_fail(&text, code),
    }
}
