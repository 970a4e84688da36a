//! The Dockerfile front end and its rules.
//!
//! Parsing is parse-dockerfile's (parser directives, the escape character, continuations, heredocs, JSON and shell
//! forms, flags); this module adds what the rules need on top: stages and their names, ARG substitution in FROM,
//! the logical text of each RUN with continuations and interleaved comments removed (mapped back to file offsets so
//! that shell findings point at the right column), and the shell commands inside.

use std::collections::{BTreeMap, BTreeSet};

use parse_dockerfile::{Command, Instruction, Source};

use crate::Diag;
use crate::ignore::{self, Ignores};
use crate::policy::{Policy, glob_match};
use crate::shell::{self, Script, SimpleCommand};
use crate::source::SourceText;

/// A RUN (or the shell part of ONBUILD RUN) with its commands and how to map script offsets to the file.
struct RunInfo {
    script: Script,
    /// File offset of each byte of the logical script.
    map: Vec<usize>,
    /// File offset of the RUN keyword.
    keyword: usize,
    mounts: Vec<String>,
}

impl RunInfo {
    /// Whether a cache or tmpfs mount covers the cache of a tool: its target names one of `keys` (`pip`, `apk`),
    /// so what the tool caches never reaches the layer. A mount elsewhere does not help.
    fn caches(&self, keys: &[&str]) -> bool {
        self.mounts.iter().any(|m| {
            (m.contains("type=cache") || m.contains("type=tmpfs"))
                && m.split(',').any(|kv| {
                    kv.strip_prefix("target=")
                        .or_else(|| kv.strip_prefix("dst="))
                        .or_else(|| kv.strip_prefix("destination="))
                        .is_some_and(|t| keys.iter().any(|k| t.contains(k)))
                })
        })
    }

    fn offset(&self, script_offset: usize) -> usize {
        self.map.get(script_offset).copied().or_else(|| self.map.last().copied()).unwrap_or(self.keyword)
    }
}

struct Stage {
    /// Index in `instructions` of the FROM.
    from: usize,
    end: usize,
    name: Option<String>,
    /// The image reference with global ARG defaults substituted.
    image: String,
}

pub fn check(text: &str, policy: &Policy, out: &mut Vec<Diag>) -> Ignores {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let masked = mask_empty_exec(text);
    let text = masked.as_deref().unwrap_or(text);
    let src = SourceText::new(text);
    let mut instructions = Vec::new();
    let mut iter = match parse_dockerfile::parse_iter(text) {
        Ok(iter) => iter,
        Err(e) => {
            let diag = parse_error(&e);
            let before_from = diag.rule == "DF034";
            out.push(diag);
            if before_from {
                check_as_one_stage(text, policy, out);
            }
            return ignore::scan(text, &|l| l);
        }
    };
    for item in iter.by_ref() {
        match item {
            Ok(instruction) => instructions.push(instruction),
            Err(e) => {
                let diag = parse_error(&e);
                let before_from = diag.rule == "DF034";
                out.push(diag);
                if before_from {
                    check_as_one_stage(text, policy, out);
                }
                return ignore::scan(text, &|l| l);
            }
        }
    }
    let starts: Vec<u32> = instructions.iter().map(|i| src.position(keyword_span(i).start).0).collect();
    let extent = |line: u32| starts.iter().find(|&&s| s > line).map_or(src.line_count(), |s| s - 1);
    let ignores = ignore::scan(text, &extent);
    if instructions.is_empty() || !instructions.iter().any(|i| matches!(i, Instruction::From(_))) {
        out.push(Diag::new("GN001", (1, 1), "no FROM instruction: a Dockerfile needs at least one stage"));
        if !instructions.is_empty() {
            check_as_one_stage(text, policy, out);
        }
        return ignores;
    }
    let escape = iter_escape(text);
    Checker { src: &src, policy, escape, instructions: &instructions, out, stages: Vec::new() }.run();
    ignores
}

/// A file that does not begin with FROM (a snippet, a template's fragment, a build that fails: DF034 or GN001 says
/// so) still has its instructions checked, as hadolint checks them: read as one stage after `FROM scratch`, with
/// what that line itself would draw (no USER, no HEALTHCHECK, on the invented line) left out and every other
/// finding moved back to its own line.
fn check_as_one_stage(text: &str, policy: &Policy, out: &mut Vec<Diag>) {
    let prefixed = format!("FROM scratch\n{text}");
    let Ok(iter) = parse_dockerfile::parse_iter(&prefixed) else { return };
    let instructions: Vec<Instruction<'_>> = match iter.collect() {
        Ok(instructions) => instructions,
        Err(_) => return,
    };
    let src = SourceText::new(&prefixed);
    let mut diags = Vec::new();
    Checker {
        src: &src,
        policy,
        escape: iter_escape(text),
        instructions: &instructions,
        out: &mut diags,
        stages: Vec::new(),
    }
    .run();
    out.extend(diags.into_iter().filter(|d| d.line > 1).map(|d| Diag { line: d.line - 1, ..d }));
}

/// `CMD []` and `ENTRYPOINT []` (an empty exec form, which clears what the base image set) are valid for the
/// builder, but parse-dockerfile 0.1.9 rejects an empty argument list and the whole file would go unchecked
/// (docker-library's tomcat images end with `ENTRYPOINT []`). Such a line is read as a comment of the same length,
/// so offsets and lines are unchanged; only the rules counting CMDs and ENTRYPOINTs no longer see it.
fn mask_empty_exec(text: &str) -> Option<String> {
    let empty_exec = |line: &str| {
        let t = line.trim_start();
        ["ENTRYPOINT", "CMD"].iter().any(|k| {
            t.get(..k.len()).is_some_and(|w| w.eq_ignore_ascii_case(k))
                && t[k.len()..].starts_with([' ', '\t'])
                && t[k.len()..].chars().filter(|c| !c.is_whitespace()).eq("[]".chars())
        })
    };
    if !text.lines().any(empty_exec) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if empty_exec(line) {
            let indent = line.len() - line.trim_start().len();
            out.push_str(&line[..indent]);
            out.push('#');
            out.push_str(&line[indent + 1..]);
        } else {
            out.push_str(line);
        }
    }
    Some(out)
}

/// The start line of every instruction, for tools that compare findings by instruction (hadolint reports the
/// first line of the instruction).
pub fn instruction_lines(text: &str) -> Vec<u32> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let masked = mask_empty_exec(text);
    let text = masked.as_deref().unwrap_or(text);
    let src = SourceText::new(text);
    let Ok(iter) = parse_dockerfile::parse_iter(text) else { return Vec::new() };
    iter.map_while(Result::ok).map(|i| src.position(keyword_span(&i).start).0).collect()
}

/// `${NAME:+words}` or `${NAME+words}` at `at`: the alternate value, which is written to split into words when the
/// variable is set (`${arch:+--enable-feature}`); ShellCheck does not ask to quote it.
fn alternate_value(text: &str, at: usize, name: &str) -> bool {
    text.get(at..)
        .and_then(|t| t.strip_prefix("${"))
        .and_then(|t| t.strip_prefix(name))
        .is_some_and(|t| t.starts_with(":+") || t.starts_with('+'))
}

/// The script of one shell-form RUN, as hadolint hands it to ShellCheck.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellScript {
    /// Line of the Dockerfile the script's first line is on.
    pub line: u32,
    /// The shell of the stage (`/bin/sh` unless SHELL says otherwise), its first word.
    pub shell: String,
    /// ARG and ENV names set so far in the stage, and Docker's predefined proxy ARGs: ShellCheck is told they are
    /// set, so it does not report them as unassigned.
    pub declared: Vec<String>,
    /// The script, one line per Dockerfile line (a comment line inside a continuation, which Docker drops, kept
    /// as a continuing blank so that lines still match).
    pub body: String,
}

/// Docker's predefined build ARGs, always available in RUN.
const PREDEFINED_ARGS: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// Every shell-form RUN (ONBUILD RUN included) of a Dockerfile, with its stage's shell and the names declared
/// before it, as hadolint builds the scripts it gives ShellCheck; heredoc RUNs and files that do not parse give
/// none. The stage's names start anew at each FROM.
pub fn shell_scripts(text: &str) -> Vec<ShellScript> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let masked = mask_empty_exec(text);
    let text = masked.as_deref().unwrap_or(text);
    let Ok(iter) = parse_dockerfile::parse_iter(text) else { return Vec::new() };
    let Ok(instructions) = iter.collect::<Result<Vec<Instruction<'_>>, _>>() else { return Vec::new() };
    let src = SourceText::new(text);
    let escape = iter_escape(text);
    let mut out = Vec::new();
    let mut shell = "/bin/sh".to_string();
    let mut declared: Vec<String> = PREDEFINED_ARGS.iter().map(|s| s.to_string()).collect();
    for instruction in &instructions {
        let run = match instruction {
            Instruction::From(_) => {
                shell = "/bin/sh".to_string();
                declared = PREDEFINED_ARGS.iter().map(|s| s.to_string()).collect();
                continue;
            }
            Instruction::Arg(a) => {
                declared.extend(pairs(&a.arguments.value).into_iter().map(|(k, _)| k));
                continue;
            }
            Instruction::Env(e) => {
                declared.extend(pairs(&e.arguments.value).into_iter().map(|(k, _)| k));
                continue;
            }
            Instruction::Shell(sh) => {
                shell = sh.arguments.first().map_or("/bin/sh".to_string(), |w| w.value.to_string());
                continue;
            }
            Instruction::Run(r) => r,
            Instruction::Onbuild(o) => match &*o.instruction {
                Instruction::Run(r) => r,
                _ => continue,
            },
            _ => continue,
        };
        let Command::Shell(body) = &run.arguments else { continue };
        // A heredoc RUN's script is its heredoc, which hadolint does not give ShellCheck either.
        if !run.here_docs.is_empty() || body.value.trim().is_empty() {
            continue;
        }
        let mut script = String::new();
        let mut continued = false;
        for (i, line) in body.value.split('\n').enumerate() {
            if i > 0 {
                script.push('\n');
            }
            let trimmed = line.trim();
            if continued && (trimmed.starts_with('#') || trimmed.is_empty()) {
                script.push(escape);
                continue;
            }
            // Docker continues a line whose escape is followed by spaces (`\ ` at the end); the shell would read
            // an escaped space there, so the spaces go.
            continued = line.trim_end().ends_with(escape);
            script.push_str(if continued { line.trim_end() } else { line });
        }
        declared.sort();
        declared.dedup();
        out.push(ShellScript {
            line: src.position(body.span.start).0,
            shell: shell.clone(),
            declared: declared.clone(),
            body: if escape == '\\' { script } else { script.replace(escape, "\\") },
        });
    }
    out
}

/// The escape character from the `# escape=` parser directive (the directives are the leading comment lines).
fn iter_escape(text: &str) -> char {
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix('#') else { break };
        let Some((k, v)) = rest.split_once('=') else { break };
        if k.trim().eq_ignore_ascii_case("escape") {
            return v.trim().chars().next().unwrap_or('\\');
        }
    }
    '\\'
}

fn parse_error(e: &parse_dockerfile::Error) -> Diag {
    let msg = format!("{e:#}");
    let rule = if msg == "expected FROM" { "DF034" } else { "GN001" };
    let message = if rule == "DF034" {
        "instruction before the first FROM: only ARG and comments may come first".to_string()
    } else {
        format!("Dockerfile does not parse: {msg}")
    };
    Diag::new(rule, (e.line().max(1) as u32, e.column().max(1) as u32), message)
}

pub(crate) fn keyword_span(i: &Instruction<'_>) -> std::ops::Range<usize> {
    match i {
        Instruction::Add(x) => x.add.span.clone(),
        Instruction::Arg(x) => x.arg.span.clone(),
        Instruction::Cmd(x) => x.cmd.span.clone(),
        Instruction::Copy(x) => x.copy.span.clone(),
        Instruction::Entrypoint(x) => x.entrypoint.span.clone(),
        Instruction::Env(x) => x.env.span.clone(),
        Instruction::Expose(x) => x.expose.span.clone(),
        Instruction::From(x) => x.from.span.clone(),
        Instruction::Healthcheck(x) => x.healthcheck.span.clone(),
        Instruction::Label(x) => x.label.span.clone(),
        Instruction::Maintainer(x) => x.maintainer.span.clone(),
        Instruction::Onbuild(x) => x.onbuild.span.clone(),
        Instruction::Run(x) => x.run.span.clone(),
        Instruction::Shell(x) => x.shell.span.clone(),
        Instruction::Stopsignal(x) => x.stopsignal.span.clone(),
        Instruction::User(x) => x.user.span.clone(),
        Instruction::Volume(x) => x.volume.span.clone(),
        Instruction::Workdir(x) => x.workdir.span.clone(),
        _ => 0..0,
    }
}

/// The names an ARG declares with their defaults (empty when it has none).
pub(crate) fn arg_defaults(arg: &parse_dockerfile::ArgInstruction<'_>) -> Vec<(String, String)> {
    pairs(&arg.arguments.value).into_iter().map(|(k, v)| (k, v.unwrap_or_default())).collect()
}

/// A boolean setting's false spellings, as pip reads them.
fn is_falsy(value: &str) -> bool {
    matches!(value.to_ascii_lowercase().as_str(), "0" | "off" | "no" | "false" | "")
}

/// `KEY=value` pairs (or the legacy `KEY value`) of ENV, ARG and LABEL, with quotes removed.
fn pairs(args: &str) -> Vec<(String, Option<String>)> {
    let words = shell::words(args);
    if let Some(first) = words.first()
        && !first.text.contains('=')
        && words.len() > 1
    {
        // Legacy `ENV KEY value with spaces`.
        let value = args.trim_start()[first.text.len()..].trim().trim_matches('"').to_string();
        return vec![(first.text.clone(), Some(value))];
    }
    words
        .into_iter()
        .map(|w| match w.text.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (w.text, None),
        })
        .collect()
}

/// Replaces `$NAME`, `${NAME}` and `${NAME:-default}` from `vars`; unknown variables are left as written.
pub fn substitute(s: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, default, len) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => {
                    let body = &inner[..end];
                    let (n, d) = match body.split_once(":-").or_else(|| body.split_once('-')) {
                        Some((n, d)) => (n, Some(d)),
                        None => (body, None),
                    };
                    (n, d, end + 2)
                }
                None => ("", None, 0),
            }
        } else {
            let n = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').count();
            (&after[..n], None, n)
        };
        match vars.get(name).filter(|v| !v.is_empty()).map(String::as_str).or(default) {
            Some(v) if !name.is_empty() => out.push_str(v),
            _ => out.push_str(&rest[i..i + 1 + len]),
        }
        rest = &rest[i + 1 + len..];
    }
    out.push_str(rest);
    out
}

/// The parts of an image reference: `name` (with registry), `tag`, `digest`.
#[derive(Debug, PartialEq)]
pub struct ImageRef<'a> {
    pub name: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

pub fn split_image(image: &str) -> ImageRef<'_> {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[last_slash..].find(':') {
        Some(c) => ImageRef { name: &rest[..last_slash + c], tag: Some(&rest[last_slash + c + 1..]), digest },
        None => ImageRef { name: rest, tag: None, digest },
    }
}

/// Why an image reference is malformed, if it is.
pub fn invalid_image(image: &str) -> Option<String> {
    if image.contains('$') || image.is_empty() {
        return None;
    }
    let r = split_image(image);
    if let Some(d) = r.digest {
        let ok = d
            .split_once(':')
            .is_some_and(|(alg, hex)| !alg.is_empty() && hex.len() >= 32 && hex.chars().all(|c| c.is_ascii_hexdigit()));
        if !ok {
            return Some(format!("digest `{d}` is not `sha256:<64 hex digits>`"));
        }
    }
    if let Some(t) = r.tag {
        if t.contains(':') && t.starts_with("sha256") {
            return Some(format!("a digest follows `@`, not `:`; write `{}@{t}`", r.name));
        }
        let ok = !t.is_empty()
            && t.len() <= 128
            && t.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            && !t.starts_with(['.', '-']);
        if !ok {
            return Some(format!("tag `{t}` is not valid (letters, digits, `_`, `.`, `-`; at most 128)"));
        }
    }
    let path = match r.name.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => rest,
        _ => r.name,
    };
    let component_ok = |c: &str| {
        !c.is_empty()
            && c.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || matches!(ch, '.' | '_' | '-'))
            && c.starts_with(|ch: char| ch.is_ascii_alphanumeric())
            && c.ends_with(|ch: char| ch.is_ascii_alphanumeric())
    };
    if !path.split('/').all(component_ok) {
        return Some(format!("repository `{}` must be lowercase letters, digits and separators", r.name));
    }
    None
}

struct Checker<'a, 'b> {
    src: &'a SourceText<'a>,
    policy: &'a Policy,
    escape: char,
    instructions: &'a [Instruction<'b>],
    out: &'a mut Vec<Diag>,
    stages: Vec<Stage>,
}

const RESERVED_STAGE_NAMES: &[&str] = &["scratch", "context"];
const SYSTEM_DIRS: &[&str] = &["/proc", "/sys", "/dev", "/boot"];
const SENSITIVE_VOLUMES: &[&str] =
    &["/", "/etc", "/root", "/boot", "/dev", "/proc", "/sys", "/var/run", "/run", "/usr", "/bin", "/sbin", "/lib"];
/// The platform ARGs BuildKit predefines; their values never contain spaces.
const PLATFORM_ARGS: &[&str] = &[
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
];
/// hadolint 2.15's DL3064 lists: names known to hold credentials, and parts of names that suggest one.
const SENSITIVE_NAMES: &[&str] = &[
    "ACCESS_TOKEN",
    "APPLICATION_KEY",
    "APP_SECRET",
    "AUTH_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "BITTREX_API_KEY",
    "BITTREX_API_SECRET",
    "CF_PASSWORD",
    "CF_USERNAME",
    "CIRCLE_TOKEN",
    "CI_DEPLOY_PASSWORD",
    "CI_DEPLOY_USER",
    "DOCKERHUB_PASSWORD",
    "DOCKER_EMAIL",
    "DOCKER_PASSWORD",
    "DOCKER_USERNAME",
    "FACEBOOK_ACCESS_TOKEN",
    "FACEBOOK_APP_ID",
    "FACEBOOK_APP_SECRET",
    "FIREBASE_API_TOKEN",
    "FIREBASE_TOKEN",
    "FOSSA_API_KEY",
    "GH_ENTERPRISE_TOKEN",
    "GH_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
    "GITHUB_TOKEN",
    "HEROKU_API_KEY",
    "HEROKU_API_USER",
    "NPM_AUTH_TOKEN",
    "NPM_TOKEN",
    "OKTA_AUTHN_GROUPID",
    "OKTA_CLIENT_ORGURL",
    "OKTA_CLIENT_TOKEN",
    "OKTA_OAUTH2_CLIENTID",
    "OKTA_OAUTH2_CLIENTSECRET",
    "OPENAI_API_KEY",
    "OS_PASSWORD",
    "OS_USERNAME",
    "POSTGRES_PASSWORD",
    "SLACK_TOKEN",
    "STRIPE_API_KEY",
    "STRIPE_DEVICE_NAME",
    "TRAVIS_OS_NAME",
    "TRAVIS_SECURE_ENV_VARS",
    "TRAVIS_SUDO",
    "VAULT_CLIENT_KEY",
    "VAULT_TOKEN",
];
const SENSITIVE_NAME_PARTS: &[&str] = &["api_key", "client_key", "password", "private", "secret", "token", "username"];
const POINTLESS: &[&str] = &["free", "kill", "mount", "ps", "service", "shutdown", "ssh", "top", "vim"];

impl<'a, 'b> Checker<'a, 'b> {
    fn pos(&self, offset: usize) -> (u32, u32) {
        self.src.position(offset)
    }

    fn emit(&mut self, rule: &'static str, offset: usize, message: impl Into<String>) {
        let p = self.pos(offset);
        self.out.push(Diag::new(rule, p, message));
    }

    fn run(&mut self) {
        // Global ARG defaults, for substitution in FROM.
        let mut global_args = BTreeMap::new();
        let mut i = 0;
        let instructions = self.instructions;
        while i < instructions.len() {
            match &instructions[i] {
                Instruction::Arg(a) => {
                    let ps = pairs(&a.arguments.value);
                    self.check_sensitive_names(a.arg.span.start, &ps);
                    for (k, v) in ps {
                        global_args.insert(k, v.unwrap_or_default());
                    }
                }
                Instruction::From(_) => break,
                _ => {}
            }
            i += 1;
        }
        let from_indices: Vec<usize> = self
            .instructions
            .iter()
            .enumerate()
            .filter(|(_, i)| matches!(i, Instruction::From(_)))
            .map(|(i, _)| i)
            .collect();
        for (n, &from) in from_indices.iter().enumerate() {
            let end = from_indices.get(n + 1).copied().unwrap_or(self.instructions.len());
            let Instruction::From(f) = &self.instructions[from] else { continue };
            self.stages.push(Stage {
                from,
                end,
                name: f.as_.as_ref().map(|(_, n)| n.value.to_lowercase()),
                image: substitute(&f.image.value, &global_args),
            });
        }
        self.check_from();
        let mut any_user = false;
        let mut any_healthcheck = false;
        let mut stage_workdir: Vec<bool> = Vec::new();
        let mut stage_env: Vec<BTreeSet<String>> = Vec::new();
        // The stages whose layers end up in the final image: the last stage and those it is built on.
        let mut in_final = vec![false; self.stages.len()];
        let mut at = self.stages.len().checked_sub(1);
        while let Some(s) = at.filter(|s| !in_final[*s]) {
            in_final[s] = true;
            let image = self.stages[s].image.to_lowercase();
            at = self.stages[..s].iter().rposition(|p| p.name.as_deref() == Some(image.as_str()));
        }
        for s in 0..self.stages.len() {
            let (from, end) = (self.stages[s].from, self.stages[s].end);
            // A stage built on an earlier stage inherits its WORKDIR.
            let parent =
                self.stages[..s].iter().position(|p| p.name.as_deref() == Some(&self.stages[s].image.to_lowercase()));
            let mut workdir = parent.is_some_and(|p| stage_workdir[p]);
            let mut last_user: Option<(usize, String)> = None;
            let (mut cmds, mut entrypoints, mut healthchecks) = (0, 0, 0);
            let mut pipefail = false;
            let mut posix_shell = true;
            // Names set by ARG and ENV so far (global ARGs included): build-time variables the shell will see. A stage
            // built on an earlier stage inherits its ENV.
            let mut env_vars: BTreeSet<String> = global_args.keys().cloned().collect();
            if let Some(p) = parent {
                env_vars.extend(stage_env[p].iter().cloned());
            }
            // Local archives copied in this stage, by file name, with the COPY's position: extracting them later in
            // a RUN leaves the archive in a layer, where ADD would have unpacked it directly.
            let mut copied_archives: Vec<(String, usize)> = Vec::new();
            // The previous instruction when it was a RUN: its flags and whether it ran a single command.
            let mut prev_run: Option<(Vec<String>, bool)> = None;
            // curl and wget in one image, not across stages (a builder's wget never reaches the final image).
            let mut tools_seen: BTreeMap<&'static str, usize> = BTreeMap::new();
            for idx in from + 1..end {
                let instruction = &self.instructions[idx];
                match instruction {
                    Instruction::User(u) => {
                        any_user = true;
                        last_user = Some((u.arguments.span.start, u.arguments.value.to_string()));
                        self.check_user(u.arguments.span.start, &u.arguments.value);
                    }
                    Instruction::Healthcheck(h) => {
                        any_healthcheck = true;
                        healthchecks += 1;
                        if let parse_dockerfile::HealthcheckArguments::Cmd { arguments: Command::Shell(sh), .. } =
                            &h.arguments
                        {
                            self.emit(
                                "DF017",
                                sh.span.start,
                                "HEALTHCHECK CMD in shell form: it needs a shell in the image",
                            );
                        }
                        if healthchecks > 1 {
                            self.emit(
                                "DF014",
                                h.healthcheck.span.start,
                                "second HEALTHCHECK in this stage; only the last one applies",
                            );
                        }
                    }
                    Instruction::Cmd(c) => {
                        cmds += 1;
                        if cmds > 1 {
                            self.emit("DF015", c.cmd.span.start, "second CMD in this stage; only the last one applies");
                        }
                        if let Command::Shell(s) = &c.arguments {
                            self.emit(
                                "DF017",
                                s.span.start,
                                "CMD in shell form: the process will not receive signals as PID 1",
                            );
                        }
                    }
                    Instruction::Entrypoint(e) => {
                        entrypoints += 1;
                        if entrypoints > 1 {
                            self.emit(
                                "DF016",
                                e.entrypoint.span.start,
                                "second ENTRYPOINT in this stage; only the last one applies",
                            );
                        }
                        if let Command::Shell(s) = &e.arguments {
                            self.emit(
                                "DF017",
                                s.span.start,
                                "ENTRYPOINT in shell form: the process will not receive signals as PID 1",
                            );
                        }
                    }
                    Instruction::Workdir(w) => {
                        workdir = true;
                        let dir = w.arguments.value.trim_matches(['"', '\'']);
                        let absolute = dir.starts_with('/')
                            || dir.starts_with('$')
                            || dir.as_bytes().get(1) == Some(&b':')
                            || dir.starts_with('\\');
                        if !absolute {
                            self.emit(
                                "DF018",
                                w.arguments.span.start,
                                format!("WORKDIR `{dir}` is relative; use an absolute path"),
                            );
                        }
                        let norm = dir.trim_end_matches('/');
                        if SYSTEM_DIRS.iter().any(|s| norm == *s || norm.starts_with(&format!("{s}/"))) {
                            self.emit(
                                "DF020",
                                w.arguments.span.start,
                                format!("WORKDIR `{dir}` is a system directory"),
                            );
                        }
                    }
                    Instruction::Volume(v) => {
                        let items: Vec<(usize, String)> = match &v.arguments {
                            parse_dockerfile::JsonOrStringArray::Json(j) => {
                                j.value.iter().map(|s| (s.span.start, s.value.to_string())).collect()
                            }
                            parse_dockerfile::JsonOrStringArray::String(a) => {
                                a.iter().map(|s| (s.span.start, s.value.to_string())).collect()
                            }
                        };
                        for (at, path) in items {
                            let norm = path.trim_matches(['"', '\'']);
                            let norm = if norm == "/" { "/" } else { norm.trim_end_matches('/') };
                            if SENSITIVE_VOLUMES.contains(&norm) {
                                self.emit("DF021", at, format!("VOLUME `{norm}` mounts over a sensitive directory"));
                            }
                        }
                    }
                    Instruction::Copy(c) => {
                        let from_flag = c.options.iter().find(|f| f.name.value == "from");
                        let dest = c.dest.value.trim_matches(['"', '\'']);
                        let relative = !(dest.starts_with('/')
                            || dest.starts_with('$')
                            || dest.as_bytes().get(1) == Some(&b':')
                            || dest.starts_with('\\'));
                        if relative && !workdir {
                            self.emit(
                                "DF022",
                                c.dest.span.start,
                                format!("COPY to relative `{dest}` before any WORKDIR in this stage"),
                            );
                        }
                        if c.src.len() > 1 && !dest.ends_with('/') && !dest.ends_with('\\') && !dest.starts_with('$') {
                            self.emit(
                                "DF029",
                                c.dest.span.start,
                                format!("COPY with {} sources needs a directory destination: `{dest}/`", c.src.len()),
                            );
                        }
                        for src in &c.src {
                            if let Source::Path(p) = src
                                && is_secret_file(&p.value)
                            {
                                self.emit(
                                    "DF091",
                                    p.span.start,
                                    format!("COPY puts `{}`, a secret-looking file, into the image", p.value),
                                );
                            }
                        }
                        if from_flag.is_none() {
                            for src in &c.src {
                                if let Source::Path(p) = src
                                    && is_archive(&p.value)
                                    && !p.value.contains("://")
                                {
                                    let name = p.value.rsplit('/').next().unwrap_or(&p.value).to_string();
                                    copied_archives.push((name, c.copy.span.start));
                                    // Copied to a file of another name (`COPY app.tar /foo.tar`): that name too.
                                    let dest = c.dest.value.trim_matches(['"', '\'']);
                                    if c.src.len() == 1 && !dest.ends_with('/') && is_archive(dest) {
                                        let renamed = dest.rsplit('/').next().unwrap_or(dest).to_string();
                                        copied_archives.push((renamed, c.copy.span.start));
                                    }
                                }
                            }
                        }
                        if let Some(flag) = from_flag
                            && let Some(value) = &flag.value
                        {
                            self.check_copy_from(s, value.span.start, &value.value);
                            for src in &c.src {
                                if let Source::Path(p) = src
                                    && p.value.trim_matches('"') == "/"
                                {
                                    self.emit(
                                        "DF031",
                                        p.span.start,
                                        format!("COPY --from={} copies the whole filesystem", value.value),
                                    );
                                }
                            }
                        }
                    }
                    Instruction::Add(a) => {
                        for src in &a.src {
                            let Source::Path(p) = src else { continue };
                            let v = p.value.trim_matches(['"', '\'']);
                            if v.starts_with("http://") || v.starts_with("https://") || v.starts_with("git@") {
                                self.emit("DF012", p.span.start, format!("ADD fetches `{v}` without verification"));
                            } else if !is_archive(v) {
                                self.emit("DF011", a.add.span.start, "ADD copies local files; use COPY");
                            }
                        }
                        let dest = a.dest.value.trim_matches(['"', '\'']);
                        if a.src.len() > 1 && !dest.ends_with('/') && !dest.starts_with('$') {
                            self.emit(
                                "DF029",
                                a.dest.span.start,
                                format!("ADD with {} sources needs a directory destination: `{dest}/`", a.src.len()),
                            );
                        }
                    }
                    Instruction::Expose(e) => {
                        for port in &e.arguments {
                            self.check_expose(port.span.start, &port.value);
                        }
                    }
                    Instruction::Maintainer(m) => {
                        self.emit(
                            "DF025",
                            m.maintainer.span.start,
                            "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors",
                        );
                    }
                    Instruction::Env(e) => {
                        let ps = pairs(&e.arguments.value);
                        self.check_env_like(e.arguments.span.start, &ps, true);
                        self.check_sensitive_names(e.env.span.start, &ps);
                        let defined: Vec<&str> = ps.iter().map(|(k, _)| k.as_str()).collect();
                        for (n, (k, v)) in ps.iter().enumerate() {
                            let Some(v) = v else { continue };
                            for earlier in &defined[..n] {
                                if references(v, earlier) && !env_vars.contains(*earlier) {
                                    self.emit(
                                        "DF036",
                                        e.arguments.span.start,
                                        format!("ENV `{k}` refers to `{earlier}`, defined in the same ENV"),
                                    );
                                }
                            }
                        }
                        for (k, v) in ps {
                            // pip reads PIP_NO_CACHE_DIR as a boolean: `0`, `off`, `no`, `false` keep the cache on,
                            // so the name stands in the set only while the setting is in effect.
                            if k == "PIP_NO_CACHE_DIR" && v.as_deref().is_some_and(is_falsy) {
                                env_vars.remove(&k);
                            } else {
                                env_vars.insert(k);
                            }
                        }
                    }
                    Instruction::Arg(a) => {
                        let ps = pairs(&a.arguments.value);
                        self.check_env_like(a.arguments.span.start, &ps, false);
                        self.check_sensitive_names(a.arg.span.start, &ps);
                        env_vars.extend(ps.into_iter().map(|(k, _)| k));
                    }
                    Instruction::Label(l) => self.check_labels(l.arguments.span.start, &l.arguments.value),
                    Instruction::Shell(sh) => {
                        let words: Vec<&str> = sh.arguments.iter().map(|w| w.value.as_ref()).collect();
                        // `-o pipefail`, with `-o` alone or among other short options (`-eo pipefail`).
                        pipefail = words.windows(2).any(|w| {
                            w[0].starts_with('-')
                                && !w[0].starts_with("--")
                                && w[0].ends_with('o')
                                && w[1] == "pipefail"
                        }) || words.iter().any(|w| {
                            w.starts_with('-') && !w.starts_with("--") && w.contains('o') && w.ends_with("pipefail")
                        });
                        posix_shell = words.first().is_some_and(|s| {
                            let base = s.rsplit(['/', '\\']).next().unwrap_or(s).to_lowercase();
                            !(base.starts_with("pwsh") || base.starts_with("powershell") || base.starts_with("cmd"))
                        });
                    }
                    Instruction::Onbuild(o) => {
                        if matches!(
                            *o.instruction,
                            Instruction::From(_) | Instruction::Onbuild(_) | Instruction::Maintainer(_)
                        ) {
                            self.emit(
                                "DF035",
                                o.onbuild.span.start,
                                "ONBUILD cannot trigger FROM, ONBUILD or MAINTAINER",
                            );
                        }
                        // An ONBUILD RUN runs in every image built FROM this one: its script is checked like any
                        // RUN's (as hadolint does), with this stage's shell and variables.
                        if let Instruction::Run(r) = &*o.instruction {
                            let info = self.run_info(r);
                            // It runs in the image built FROM this one, whatever stage it is written in.
                            let final_stage = true;
                            self.check_run(&info, final_stage, pipefail, posix_shell, &env_vars);
                        }
                    }
                    Instruction::Run(r) => {
                        let info = self.run_info(r);
                        // hadolint counts the commands inside command substitutions too: `echo "$(node -v)"`
                        // runs two.
                        let nested: usize = info
                            .script
                            .commands
                            .iter()
                            .flat_map(|c| c.words.iter().chain(&c.assignments))
                            .flat_map(|w| shell::substitutions(&w.text))
                            .map(|inner| shell::parse(inner).commands.len())
                            .sum();
                        let simple = info.script.items <= 1 && info.script.commands.len() + nested <= 1;
                        // Like hadolint: only two simple RUNs with the same flags are worth merging; chains are
                        // usually split on purpose, for caching.
                        if prev_run
                            .as_ref()
                            .is_some_and(|(flags, prev_simple)| *prev_simple && simple && *flags == info.mounts)
                        {
                            self.emit(
                                "DF084",
                                r.run.span.start,
                                "RUN directly after RUN; consider joining them with `&&`",
                            );
                        }
                        prev_run = Some((info.mounts.clone(), simple));
                        for tar in info.script.find(&["tar"]) {
                            let extracts = tar.args().first().is_some_and(|a| {
                                let f = a.text.trim_start_matches('-');
                                !a.text.starts_with("--") && f.contains('x')
                            }) || tar.has_flag(Some('x'), &["extract", "get"]);
                            if !extracts {
                                continue;
                            }
                            for (name, at) in &copied_archives {
                                if tar.args().iter().any(|a| a.text.rsplit('/').next() == Some(name.as_str())) {
                                    self.emit(
                                        "DF089",
                                        *at,
                                        format!("`{name}` is copied and then extracted; ADD extracts it in one step"),
                                    );
                                }
                            }
                        }
                        let final_stage = in_final.get(s) == Some(&true);
                        self.check_run(&info, final_stage, pipefail, posix_shell, &env_vars);
                        for (tool, names) in [("curl", &["curl"][..]), ("wget", &["wget"][..])] {
                            if info.script.find(names).next().is_some() {
                                tools_seen.entry(tool).or_insert(r.run.span.start);
                            }
                        }
                        if tools_seen.len() == 2 && info.script.find(&["curl", "wget"]).next().is_some() {
                            let first = *tools_seen.values().min().unwrap_or(&0);
                            if first < r.run.span.start
                                || info.script.find(&["curl"]).next().is_some()
                                    && info.script.find(&["wget"]).next().is_some()
                            {
                                self.emit("DF079", r.run.span.start, "both wget and curl are used; pick one");
                            }
                        }
                    }
                    _ => {}
                }
                if !matches!(instruction, Instruction::Run(_)) {
                    prev_run = None;
                }
            }
            stage_workdir.push(workdir);
            stage_env.push(env_vars);
            if s + 1 == self.stages.len() {
                if let Some((at, user)) = &last_user {
                    let name = user.split(':').next().unwrap_or("").trim();
                    if name == "root" || name == "0" {
                        self.emit("DF006", *at, format!("the final stage runs as `{user}`"));
                    }
                }
                if !self.policy.required_labels.is_empty()
                    || self.policy.enabled(crate::registry::find("DF086").expect("registered"))
                {
                    self.check_required_labels(from, end);
                }
            }
        }
        let last_from = self.stages.last().map_or(0, |s| keyword_span(&self.instructions[s.from]).start);
        if !any_user {
            self.emit("DF007", last_from, "no USER instruction: the container runs as root");
        }
        if !any_healthcheck {
            self.emit("DF013", last_from, "no HEALTHCHECK instruction");
        }
    }

    fn check_from(&mut self) {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for s in 0..self.stages.len() {
            let Instruction::From(f) = &self.instructions[self.stages[s].from] else { continue };
            let image = self.stages[s].image.clone();
            let at = f.image.span.start;
            if let Some((_, name)) = &f.as_ {
                let lower = name.value.to_lowercase();
                if seen.insert(lower.clone(), s).is_some() {
                    self.emit(
                        "DF026",
                        name.span.start,
                        format!("stage name `{}` is already used by an earlier stage", name.value),
                    );
                }
                if RESERVED_STAGE_NAMES.contains(&lower.as_str()) {
                    self.emit("DF030", name.span.start, format!("stage name `{}` is a reserved word", name.value));
                }
            }
            if let Some(p) = f.options.iter().find(|o| o.name.value == "platform") {
                let v = p.value.as_ref().map(|v| v.value.as_ref()).unwrap_or("");
                if v.contains("TARGETPLATFORM") {
                    self.emit("DF033", p.flag_span().start, "`--platform=$TARGETPLATFORM` is the default; remove it");
                } else if !v.contains("BUILDPLATFORM") && !v.starts_with('$') {
                    self.emit("DF032", p.flag_span().start, format!("FROM --platform={v} fixes the platform"));
                }
            }
            let lower = image.to_lowercase();
            let is_stage = self.stages[..s].iter().any(|p| p.name.as_deref() == Some(lower.as_str()));
            if is_stage || lower == "scratch" {
                continue;
            }
            if let Some(why) = invalid_image(&image) {
                self.emit("DF088", at, format!("invalid image reference `{image}`: {why}"));
                continue;
            }
            // The tag rules read FROM as written, as hadolint and checkov do. What only the ARG defaults reveal
            // (the generated Dockerfiles take the base image as a build ARG) is DF111's, a code of stowage's own.
            let literal = f.image.value.as_ref();
            if literal.contains('$') {
                // A tag written after the variables still counts (`python:${V}` or `${REGISTRY}/x:latest`).
                if split_image(literal).tag == Some("latest") {
                    self.emit("DF002", at, format!("`{literal}` uses the `latest` tag"));
                } else if !literal.contains([':', '@']) {
                    let default = if image.contains('$') { String::new() } else { format!(" (default `{image}`)") };
                    self.emit("DF110", at, format!("`{literal}` has no tag written in FROM{default}"));
                } else if !image.contains('$') {
                    let r = split_image(&image);
                    if r.digest.is_none() && matches!(r.tag, None | Some("latest")) {
                        self.emit(
                            "DF111",
                            at,
                            format!("`{literal}` is `{image}` with its ARG defaults, which pins no version"),
                        );
                    }
                }
                if image.contains('$') {
                    continue;
                }
            }
            let r = split_image(&image);
            if !literal.contains('$') {
                match (r.tag, r.digest) {
                    (None, None) => self.emit("DF001", at, format!("`{image}` has no tag; pin a version")),
                    // A digest fixes the image whatever the tag says.
                    (Some("latest"), None) => self.emit("DF002", at, format!("`{image}` uses the `latest` tag")),
                    _ => {}
                }
            }
            if r.digest.is_none() {
                self.emit("DF003", at, format!("`{image}` is not pinned by digest"));
            }
            if !self.policy.trusted_registries.is_empty() && !self.policy.registry_trusted(&image) {
                self.emit(
                    "DF004",
                    at,
                    format!("`{image}` comes from `{}`, not a trusted registry", crate::policy::registry_of(&image)),
                );
            }
            if !self.policy.allowed_base_images.is_empty()
                && !self.policy.allowed_base_images.iter().any(|p| glob_match(p, r.name) || glob_match(p, &image))
            {
                self.emit("DF005", at, format!("`{image}` is not in the allowed base images"));
            }
        }
    }

    fn check_user(&mut self, at: usize, user: &str) {
        let name = user.split(':').next().unwrap_or("").trim();
        // A variable may hold a name as well, so only a literal number passes (as in hadolint).
        if !name.is_empty() && !name.chars().all(|c| c.is_ascii_digit()) {
            self.emit("DF008", at, format!("USER `{user}` is a name; use a numeric UID"));
        }
    }

    fn check_copy_from(&mut self, stage: usize, at: usize, from: &str) {
        let lower = from.to_lowercase();
        if self.stages[stage].name.as_deref() == Some(lower.as_str()) {
            self.emit("DF028", at, format!("COPY --from={from} names the stage it is in"));
            return;
        }
        let earlier = self.stages[..stage].iter().any(|p| p.name.as_deref() == Some(lower.as_str()));
        let numeric = from.parse::<usize>().is_ok_and(|n| n < stage);
        // A reference with a tag or digest is clearly an image; a bare name (even with `/`) is more likely a typo.
        let image_like = from.contains([':', '@', '$']);
        if !earlier && !numeric && !image_like {
            self.emit("DF027", at, format!("COPY --from={from} names no earlier stage"));
        }
    }

    fn check_expose(&mut self, at: usize, port: &str) {
        let p = port.split('/').next().unwrap_or(port);
        if p.contains('$') {
            return;
        }
        let (lo, hi) = match p.split_once('-') {
            Some((a, b)) => (a.parse::<u64>(), b.parse::<u64>()),
            None => (p.parse::<u64>(), p.parse::<u64>()),
        };
        match (lo, hi) {
            (Ok(lo), Ok(hi)) => {
                if lo > 65535 || hi > 65535 {
                    self.emit("DF024", at, format!("EXPOSE `{port}` is outside 0-65535"));
                } else if (lo..=hi).contains(&22) {
                    self.emit("DF023", at, "EXPOSE 22 publishes SSH");
                }
            }
            _ => self.emit("DF024", at, format!("EXPOSE `{port}` is not a port number")),
        }
    }

    /// hadolint's DL3064: an ARG or ENV whose name says it holds a secret, whatever its value (a build argument
    /// without a default still ends up in the image history when passed). Its lists, so that the rule agrees with
    /// hadolint where DF037, which needs a secret-looking value, is silent.
    fn check_sensitive_names(&mut self, at: usize, pairs: &[(String, Option<String>)]) {
        let flagged = pairs.iter().find(|(k, _)| {
            let lower = k.to_lowercase();
            SENSITIVE_NAMES.contains(&k.to_uppercase().as_str())
                || SENSITIVE_NAME_PARTS.iter().any(|p| lower.contains(p))
        });
        if let Some((k, _)) = flagged {
            self.emit("DF112", at, format!("`{k}` is named like a secret; ARG and ENV values stay in the image"));
        }
    }

    fn check_env_like(&mut self, at: usize, pairs: &[(String, Option<String>)], env: bool) {
        for (k, v) in pairs {
            let upper = k.to_uppercase();
            let value = v.as_deref().unwrap_or("");
            if crate::secret::is_secret_name(&upper) && !value.is_empty() && !value.starts_with('$') {
                let p = self.pos(at);
                let message = format!("`{k}` looks like a secret and is stored in the image metadata");
                self.out.push(Diag::new("DF037", p, message).flagging(value));
            }
            let falsy = matches!(value.to_lowercase().as_str(), "0" | "false" | "no" | "off");
            match upper.as_str() {
                "PYTHONHTTPSVERIFY" if value == "0" => {
                    self.emit("DF066", at, "PYTHONHTTPSVERIFY=0 turns off certificate validation")
                }
                "NODE_TLS_REJECT_UNAUTHORIZED" if value == "0" => {
                    self.emit("DF067", at, "NODE_TLS_REJECT_UNAUTHORIZED=0 turns off certificate validation")
                }
                "NPM_CONFIG_STRICT_SSL" if falsy => {
                    self.emit("DF073", at, "NPM_CONFIG_STRICT_SSL=false turns off certificate validation")
                }
                "GIT_SSL_NO_VERIFY" if env || v.is_some() => {
                    self.emit("DF075", at, "GIT_SSL_NO_VERIFY turns off certificate validation")
                }
                "PIP_TRUSTED_HOST" if v.is_some() => {
                    self.emit("DF077", at, "PIP_TRUSTED_HOST turns off certificate validation")
                }
                _ => {}
            }
        }
    }

    fn check_labels(&mut self, at: usize, args: &str) {
        for (k, v) in pairs(args) {
            if !label_key_valid(&k) {
                self.emit("DF085", at, format!("label key `{k}` is not a lowercase reverse-DNS name"));
            }
            if v.as_deref().is_none_or(|v| v.trim().is_empty()) {
                self.emit("DF087", at, format!("label `{k}` is empty"));
            } else if let Some(t) = self.policy.label_schema.get(&k)
                && let Some(v) = v.as_deref().filter(|v| !v.contains('$'))
                && let Some(expected) = t.check(v)
            {
                self.emit("DF090", at, format!("label `{k}` value `{v}` is not {expected}"));
            }
            // Strict labels (hadolint's DL3050): with a schema, every label must be declared in it (or required).
            if !self.policy.label_schema.is_empty()
                && !self.policy.label_schema.contains_key(&k)
                && !self.policy.required_labels.contains(&k)
            {
                self.emit("DF092", at, format!("label `{k}` is not in the policy's label_schema"));
            }
        }
    }

    fn check_required_labels(&mut self, from: usize, end: usize) {
        let mut present = BTreeSet::new();
        for i in from..end {
            if let Instruction::Label(l) = &self.instructions[i] {
                present.extend(pairs(&l.arguments.value).into_iter().map(|(k, _)| k));
            }
        }
        let at = keyword_span(&self.instructions[from]).start;
        for label in self.policy.required_labels.clone() {
            if !present.contains(&label) {
                self.emit("DF086", at, format!("required label `{label}` is missing from the final stage"));
            }
        }
    }

    /// The logical script of a RUN: continuations and the comment lines inside them removed, heredoc bodies appended.
    fn run_info(&self, r: &parse_dockerfile::RunInstruction<'_>) -> RunInfo {
        let mounts: Vec<String> = r
            .options
            .iter()
            .filter(|f| f.name.value == "mount")
            .filter_map(|f| f.value.as_ref().map(|v| v.value.to_string()))
            .collect();
        let (mut logical, mut map) = (String::new(), Vec::new());
        match &r.arguments {
            Command::Shell(s) => {
                unfold(self.src.text, s.span.clone(), self.escape, &mut logical, &mut map);
                for doc in &r.here_docs {
                    logical.push('\n');
                    map.push(doc.span.start);
                    // The body is usually borrowed from the file text; its address gives its exact offset.
                    let base = self.src.text.as_ptr() as usize;
                    let at = doc.value.as_ptr() as usize;
                    let body_start =
                        if (base..base + self.src.text.len()).contains(&at) { at - base } else { doc.span.start };
                    for (i, ch) in doc.value.char_indices() {
                        logical.push(ch);
                        map.extend(std::iter::repeat_n(body_start + i, ch.len_utf8()));
                    }
                }
            }
            Command::Exec(e) => {
                let words: Vec<&str> = e.value.iter().map(|w| w.value.as_ref()).collect();
                let script_at = words.iter().position(|w| *w == "-c").map(|i| i + 1);
                match script_at.and_then(|i| e.value.get(i)) {
                    Some(script) => {
                        for (i, ch) in script.value.char_indices() {
                            logical.push(ch);
                            map.extend(std::iter::repeat_n(script.span.start + 1 + i, ch.len_utf8()));
                        }
                    }
                    None => {
                        for w in &e.value {
                            let quoted = format!("'{}' ", w.value.replace('\'', ""));
                            map.extend(std::iter::repeat_n(w.span.start, quoted.len()));
                            logical.push_str(&quoted);
                        }
                    }
                }
            }
            _ => {}
        }
        RunInfo { script: shell::parse(&logical), map, keyword: r.run.span.start, mounts }
    }

    fn cmd_at(&self, info: &RunInfo, c: &SimpleCommand) -> usize {
        info.offset(c.words.first().map_or(0, |w| w.start))
    }

    fn check_run(&mut self, info: &RunInfo, final_stage: bool, pipefail: bool, posix: bool, env: &BTreeSet<String>) {
        let script = &info.script;
        // Like ShellCheck: a variable only ever assigned a literal without spaces or globs cannot split.
        let mut assigned: BTreeMap<&str, bool> = BTreeMap::new();
        for a in script.commands.iter().flat_map(|c| &c.assignments) {
            if let Some((k, v)) = a.text.split_once('=') {
                // `$!`, `$$`, `$?` and `$#` are numbers, so a copy of one cannot split either (ShellCheck agrees).
                let numeric = matches!(v, "$!" | "$$" | "$?" | "$#");
                let safe = numeric || (!v.is_empty() && !v.contains(['$', '`', ' ', '\t', '\n', '*', '?', '[']));
                let entry = assigned.entry(k).or_insert(true);
                *entry &= safe;
            }
        }
        let safe_vars: BTreeSet<&str> = assigned.into_iter().filter(|(_, safe)| *safe).map(|(k, _)| k).collect();
        let mut set_pipefail = pipefail;
        for c in &script.commands {
            if c.base_name() == Some("set")
                && c.words
                    .windows(2)
                    .any(|w| w[1].text == "pipefail" && w[0].text.starts_with('-') && w[0].text.contains('o'))
            {
                set_pipefail = true;
            }
        }
        if script.has_pipe() && !set_pipefail && posix {
            self.emit(
                "DF081",
                info.keyword,
                "RUN with a pipe but no `-o pipefail`: a failing command before `|` is ignored",
            );
        }
        // `apt-get download` and `source` read the fresh index too (a package unpacked for another architecture).
        let install_words =
            ["install", "add", "groupinstall", "localinstall", "in", "reinstall", "satisfy", "download", "source"];
        let any_install = script.commands.iter().any(|c| {
            // `xargs apt-get install -y < deps.txt` installs too (docker-library's tomcat images).
            let words = xargs_command(c);
            let base = words.first().map(|w| w.text.rsplit('/').next().unwrap_or(&w.text));
            matches!(base, Some("apt-get" | "apt" | "apk" | "yum" | "dnf" | "microdnf" | "zypper" | "tdnf"))
                && words[1..].iter().any(|a| install_words.contains(&a.text.as_str()) || a.text == "upgrade")
        });
        let mut apt_updated = false;
        let mut removed_lists = false;
        for c in &script.commands {
            let at = self.cmd_at(info, c);
            let Some(name) = c.base_name() else { continue };
            let sub = subcommand(c);
            match name {
                "sudo" => self.emit("DF010", at, "sudo in RUN; switch USER instead"),
                "cd" => self.emit("DF019", at, "`cd` in RUN; use WORKDIR"),
                "chpasswd" => self.emit("DF078", at, "chpasswd sets a password in the image"),
                "apt" => self.emit("DF043", at, "`apt` is for interactive use; use apt-get"),
                "ln" if c.has_arg(|a| a == "/bin/sh") => {
                    self.emit("DF082", at, "RUN replaces /bin/sh; use the SHELL instruction")
                }
                n if POINTLESS.contains(&n) => {
                    self.emit("DF083", at, format!("`{n}` makes no sense in a container build"))
                }
                _ => {}
            }
            // For yum, dnf, microdnf and zypper `update` upgrades the installed packages (`makecache` and
            // `refresh` are their index updates), so only apt's and apk's `update` is an index update alone.
            if matches!(name, "apt-get" | "apt" | "apk") && sub.as_deref() == Some("update") && !any_install {
                self.emit("DF038", at, format!("`{name} update` alone; install in the same RUN"));
            }
            if (name == "rm" && c.has_arg(|a| a.starts_with("/var/lib/apt/lists")))
                || (matches!(name, "apt-get" | "apt") && matches!(sub.as_deref(), Some("dist-clean" | "distclean")))
            {
                removed_lists = true;
            }
            if name == "apt-get" || name == "apt" {
                if c.has_flag(None, &["allow-unauthenticated"]) {
                    self.emit("DF069", at, "--allow-unauthenticated installs unsigned packages");
                }
                if c.has_flag(None, &["force-yes"]) {
                    self.emit("DF072", at, "--force-yes disables signature checks");
                }
                if matches!(sub.as_deref(), Some("dist-upgrade" | "full-upgrade")) {
                    self.emit("DF045", at, format!("`{name} dist-upgrade` in a build"));
                }
            }
            // The lists are written by `update`; a RUN that only installs adds none to its layer.
            if matches!(name, "apt" | "apt-get" | "aptitude") && sub.as_deref() == Some("update") {
                apt_updated = true;
            }
            if name == "apt-get" && sub.as_deref() == Some("install") {
                let pkgs = packages(c, &["-o", "-t", "-c", "--target-release", "--option", "--config-file"]);
                let unpinned: Vec<&str> =
                    pkgs.iter().map(|w| w.text.as_str()).filter(|p| !p.contains('=') && !p.ends_with(".deb")).collect();
                if !unpinned.is_empty() {
                    self.emit("DF039", at, format!("apt-get install without versions: {}", unpinned.join(", ")));
                }
                // `-qq` (also written `-q -q`) implies `-y`.
                let quiet = c.args().iter().filter(|w| w.text == "-q" || w.text == "--quiet").count();
                if !c.has_flag(Some('y'), &["yes", "assume-yes"])
                    && !c.has_arg(|a| a == "-qq" || a == "-q=2" || a == "--quiet=2")
                    && quiet < 2
                {
                    self.emit("DF040", at, "apt-get install without `-y`");
                }
                let recommends = c.has_flag(None, &["no-install-recommends"])
                    || c.has_arg(|a| a.contains("Install-Recommends=false") || a.contains("Install-Recommends=0"));
                if !recommends {
                    self.emit("DF041", at, "apt-get install without `--no-install-recommends`");
                }
            }
            if name == "apk" {
                if c.has_flag(None, &["allow-untrusted"]) {
                    self.emit("DF068", at, "apk --allow-untrusted installs unsigned packages");
                }
                if sub.as_deref() == Some("add") {
                    let pkgs = packages(
                        c,
                        &[
                            "--repository",
                            "-X",
                            "--virtual",
                            "-t",
                            "--root",
                            "-p",
                            "--repositories-file",
                            "--cache-dir",
                            "--arch",
                        ],
                    );
                    let unpinned: Vec<&str> = pkgs
                        .iter()
                        .map(|w| w.text.as_str())
                        .filter(|p| {
                            !p.contains('=')
                                && !p.ends_with(".apk")
                                && !p.contains('~')
                                && !p.contains('<')
                                && !p.contains('>')
                        })
                        .collect();
                    if !unpinned.is_empty() {
                        self.emit("DF046", at, format!("apk add without versions: {}", unpinned.join(", ")));
                    }
                    if !c.has_flag(None, &["no-cache"]) && !info.caches(&["apk"]) {
                        self.emit("DF047", at, "apk add without `--no-cache`");
                    }
                }
            }
            for (mgr, y, clean, pin) in [
                ("yum", "DF048", "DF049", "DF050"),
                ("dnf", "DF054", "DF055", "DF056"),
                ("microdnf", "DF054", "DF055", "DF056"),
                ("zypper", "DF051", "DF052", "DF053"),
            ] {
                if name != mgr {
                    continue;
                }
                if mgr != "zypper" && c.has_flag(None, &["nogpgcheck"]) {
                    self.emit("DF070", at, format!("{mgr} --nogpgcheck installs unsigned packages"));
                }
                let is_install = matches!(sub.as_deref(), Some("install" | "in" | "groupinstall" | "localinstall"));
                // dnf fills its cache for upgrades and reinstalls too.
                let fills_cache = is_install
                    || (mgr != "yum"
                        && mgr != "zypper"
                        && matches!(
                            sub.as_deref(),
                            Some("upgrade" | "up" | "upgrade-minimal" | "up-min" | "reinstall" | "rei" | "update")
                        ));
                if mgr == "zypper" && matches!(sub.as_deref(), Some("dist-upgrade" | "dup")) {
                    self.emit("DF044", at, "zypper dist-upgrade in a build");
                }
                // `dnf module install NAME:STREAM`: a module is pinned by its stream.
                if sub.as_deref() == Some("module") && c.args().get(1).is_some_and(|a| a.text == "install") {
                    let modules: Vec<&str> = packages(c, &[])
                        .iter()
                        .skip(1)
                        .map(|w| w.text.as_str())
                        .filter(|m| !m.contains(':') && !m.contains('$'))
                        .collect();
                    if !modules.is_empty() {
                        self.emit(pin, at, format!("{mgr} module install without a stream: {}", modules.join(", ")));
                    }
                }
                if !fills_cache {
                    continue;
                }
                let yes = if mgr == "zypper" {
                    c.has_flag(Some('y'), &["no-confirm", "non-interactive"])
                        || c.words.iter().any(|w| w.text == "-n" || w.text == "--non-interactive")
                } else {
                    c.has_flag(Some('y'), &["assumeyes"]) || mgr == "microdnf"
                };
                if !yes {
                    self.emit(y, at, format!("{mgr} install without `-y`"));
                }
                // dnf's cache is /var/cache/dnf (/var/cache/libdnf5 for dnf5); dnf installed as `yum` keeps it in
                // /var/cache/yum, and hadolint accepts removing that one too.
                let cache_dirs: &[&str] = match mgr {
                    "dnf" | "microdnf" => &["/var/cache/dnf", "/var/cache/yum", "/var/cache/libdnf5"],
                    "yum" => &["/var/cache/yum"],
                    _ => &["/var/cache/zypp"],
                };
                // Cleaning before the install leaves the install's cache behind: only a later command counts.
                let cleaned = script.commands.iter().skip_while(|o| !std::ptr::eq(*o, c)).any(|o| {
                    (o.base_name() == Some(mgr) && matches!(subcommand(o).as_deref(), Some("clean" | "cc")))
                        || (o.base_name() == Some("rm") && o.has_arg(|a| cache_dirs.iter().any(|d| a.contains(d))))
                });
                let cache_keys: &[&str] = match mgr {
                    "dnf" | "microdnf" => &["dnf", "yum"],
                    "yum" => &["yum"],
                    _ => &["zypp"],
                };
                if !cleaned && !info.caches(cache_keys) {
                    self.emit(
                        clean,
                        at,
                        format!("{mgr} install without `{mgr} clean{}`", if mgr == "zypper" { "" } else { " all" }),
                    );
                }
                let pkgs = packages(
                    c,
                    &[
                        "--setopt",
                        "--enablerepo",
                        "--disablerepo",
                        "--installroot",
                        "--releasever",
                        "-r",
                        "--repo",
                        "--from",
                    ],
                );
                let unpinned: Vec<&str> = pkgs
                    .iter()
                    .map(|w| w.text.as_str())
                    .filter(|p| {
                        if mgr == "zypper" {
                            !p.contains(['=', '<', '>']) && !p.ends_with(".rpm")
                        } else {
                            !has_rpm_version(p) && !p.ends_with(".rpm") && !p.starts_with('@')
                        }
                    })
                    .collect();
                if !unpinned.is_empty() {
                    self.emit(pin, at, format!("{mgr} install without versions: {}", unpinned.join(", ")));
                }
            }
            if name == "tdnf" && c.has_flag(None, &["nogpgcheck"]) {
                self.emit("DF070", at, "tdnf --nogpgcheck installs unsigned packages");
            }
            if name == "rpm" && c.has_flag(None, &["nosignature", "nodigest", "noverify", "nofiledigest"]) {
                self.emit("DF071", at, "rpm signature or digest checks disabled");
            }
            if c.words.iter().any(|w| {
                let l = w.text.to_lowercase().replace(' ', "");
                l.contains("sslverify=0") || l.contains("sslverify=false") || l.contains("sslverify=no")
            }) && matches!(name, "yum-config-manager" | "dnf" | "yum" | "echo" | "sed" | "printf")
            {
                self.emit("DF076", at, "sslverify disabled for the package manager");
            }
            if let Some(pip_args) = pip_install(c) {
                let (is_install, pkgs, opts) = pip_args;
                if is_install {
                    // `PIP_NO_CACHE_DIR=1 pip install`, or an `export PIP_NO_CACHE_DIR=1` earlier in the script.
                    let truthy = |text: &str| {
                        text.strip_prefix("PIP_NO_CACHE_DIR=").is_some_and(|v| !is_falsy(v.trim_matches(['"', '\''])))
                    };
                    let set_here = c.assignments.iter().any(|a| truthy(&a.text))
                        || script
                            .commands
                            .iter()
                            .take_while(|o| !std::ptr::eq(*o, c))
                            .any(|o| o.base_name() == Some("export") && o.args().iter().any(|a| truthy(&a.text)));
                    if !opts.iter().any(|o| o == "--no-cache-dir")
                        && !env.contains("PIP_NO_CACHE_DIR")
                        && !set_here
                        && name != "pipx"
                        && !info.caches(&["pip"])
                    {
                        self.emit("DF058", at, "pip install without `--no-cache-dir`");
                    }
                    let unpinned: Vec<&String> = pkgs.iter().filter(|p| !pip_pinned(p)).collect();
                    if !unpinned.is_empty() {
                        let list: Vec<&str> = unpinned.iter().map(|s| s.as_str()).collect();
                        self.emit("DF057", at, format!("pip install without versions: {}", list.join(", ")));
                    }
                }
                if opts.iter().any(|o| o.starts_with("--trusted-host")) {
                    self.emit("DF065", at, "pip --trusted-host disables certificate validation");
                }
            }
            if name == "npm" && matches!(sub.as_deref(), Some("install" | "i" | "add")) {
                let pkgs = packages(c, &["--prefix", "--registry", "--cache", "-w", "--workspace", "--loglevel"]);
                let unpinned: Vec<&str> = pkgs.iter().map(|w| w.text.as_str()).filter(|p| !npm_pinned(p)).collect();
                if !unpinned.is_empty() {
                    self.emit("DF059", at, format!("npm install without versions: {}", unpinned.join(", ")));
                }
            }
            if matches!(name, "npm" | "yarn")
                && c.args().windows(3).any(|w| w[0].text == "set" && w[1].text == "strict-ssl" && w[2].text == "false")
            {
                self.emit("DF074", at, format!("{name} strict-ssl set to false"));
            }
            if name == "yarn" && sub.as_deref() == Some("install") && final_stage {
                let cleaned = script.commands.iter().skip_while(|o| !std::ptr::eq(*o, c)).any(|o| {
                    o.base_name() == Some("yarn")
                        && o.args().windows(2).any(|w| w[0].text == "cache" && w[1].text == "clean")
                });
                if !cleaned && !info.caches(&["yarn"]) {
                    self.emit("DF060", at, "yarn install without `yarn cache clean`");
                }
            }
            if name == "gem" && matches!(sub.as_deref(), Some("install" | "i")) && !c.has_flag(Some('v'), &["version"])
            {
                // What follows `--` is for the gem's build, not gems.
                let end = c.args().iter().find(|w| w.text == "--").map_or(usize::MAX, |w| w.start);
                let mut pkgs = packages(c, &["-i", "--install-dir", "-n", "--bindir", "--source", "-s"]);
                pkgs.retain(|w| w.start < end);
                let unpinned: Vec<&str> =
                    pkgs.iter().map(|w| w.text.as_str()).filter(|p| !p.contains(':') && !p.ends_with(".gem")).collect();
                if !unpinned.is_empty() {
                    self.emit("DF061", at, format!("gem install without versions: {}", unpinned.join(", ")));
                }
            }
            if name == "go" && matches!(sub.as_deref(), Some("install" | "get" | "run")) {
                let pkgs = packages(c, &["-ldflags", "-tags", "-o", "-gcflags"]);
                // `@latest` moves like no version; `go run` of a remote package fetches it like `go install`
                // (its arguments after the package are the program's own, and a `.go` file is local).
                let remote = |p: &&str| !p.starts_with(['.', '/', '$']) && !p.ends_with(".go") && p.contains('.');
                let candidates: Vec<&str> = if sub.as_deref() == Some("run") {
                    pkgs.iter().map(|w| w.text.as_str()).take(1).filter(remote).collect()
                } else {
                    pkgs.iter().map(|w| w.text.as_str()).collect()
                };
                let unpinned: Vec<&str> = candidates
                    .into_iter()
                    .filter(|p| {
                        let version = p.rsplit_once('@').map(|(_, v)| v);
                        version.is_none_or(|v| v == "latest") && !p.starts_with(['.', '/'])
                    })
                    .collect();
                if !unpinned.is_empty() {
                    let verb = sub.as_deref().unwrap_or("install");
                    self.emit("DF062", at, format!("go {verb} without a version: {}", unpinned.join(", ")));
                }
            }
            if name == "curl" && c.has_flag(Some('k'), &["insecure"]) {
                self.emit("DF063", at, "curl -k disables certificate validation");
            }
            if name == "wget" {
                if c.has_flag(None, &["no-check-certificate"]) {
                    self.emit("DF064", at, "wget --no-check-certificate disables certificate validation");
                }
                let quiet = c.has_flag(Some('q'), &["quiet", "progress", "no-verbose", "output-file", "append-output"])
                    || c.has_flag(Some('o'), &[])
                    || c.has_flag(Some('a'), &[])
                    || c.args().iter().any(|a| a.text == "-nv");
                if !quiet {
                    self.emit("DF080", at, "wget without `--progress`");
                }
            }
            if name == "useradd" {
                let uid =
                    c.args().windows(2).find(|w| w[0].text == "-u" || w[0].text == "--uid").map(|w| w[1].text.clone());
                let high = uid.and_then(|u| u.parse::<u64>().ok()).is_some_and(|u| u > 99_999);
                if high && !c.has_flag(Some('l'), &["no-log-init"]) {
                    self.emit("DF009", at, "useradd with a high UID without `-l`");
                }
            }
            for a in &c.assignments {
                self.check_assignment(info.offset(a.start), &a.text);
            }
            if name == "export" {
                for a in c.args() {
                    self.check_assignment(info.offset(a.start), &a.text);
                    if posix && (a.text.contains("$(") || a.text.contains('`')) {
                        self.emit(
                            "DF102",
                            info.offset(a.start),
                            "export with command substitution hides its exit status",
                        );
                    }
                }
            }
            // The ShellCheck subset: only for POSIX shells, as hadolint runs ShellCheck only there.
            if posix && !matches!(name, "export" | "local" | "declare" | "readonly") {
                for e in &c.unquoted {
                    if e.command {
                        self.emit("DF103", info.offset(e.start), "unquoted command substitution");
                    } else if !env.contains(&e.name)
                        && !safe_vars.contains(e.name.as_str())
                        && !PLATFORM_ARGS.contains(&e.name.as_str())
                        && !alternate_value(self.src.text, info.offset(e.start), &e.name)
                    {
                        // ARG and ENV values are the author's own, often lists split on purpose (hadolint agrees).
                        self.emit("DF101", info.offset(e.start), format!("unquoted `${}`", e.name));
                    }
                }
            }
            // ShellCheck's exemptions for SC2016: programs that expand `$` themselves.
            let expands_itself = ["awk", "perl", "python", "ruby", "php"].iter().any(|p| name.contains(p))
                || matches!(
                    name,
                    "trap"
                        | "sh"
                        | "bash"
                        | "zsh"
                        | "ksh"
                        | "ssh"
                        | "eval"
                        | "xprop"
                        | "alias"
                        | "sudo"
                        | "docker"
                        | "podman"
                        | "dpkg-query"
                        | "jq"
                        | "rename"
                        | "rg"
                        | "unset"
                        | "su"
                        | "find"
                        | "xargs"
                        | "envsubst"
                        | "git"
                );
            if posix
                && !expands_itself
                && let Some(&p) = c.single_quoted_dollar.first()
            {
                self.emit("DF104", info.offset(p), "`$` inside single quotes is not expanded");
            }
            if posix {
                if c.negated_statement {
                    self.emit("DF105", at, "`!` on a statement: the build does not fail when the test fails");
                }
                // Each argument with an escape, where it is (as ShellCheck reports them).
                if name == "echo" && !c.has_flag(Some('e'), &[]) {
                    for w in c.args().iter().filter(|w| w.quoted && has_escape_sequence(&w.text)) {
                        self.emit(
                            "DF106",
                            info.offset(w.start),
                            "echo with a backslash escape; echo may print it literally: use printf",
                        );
                    }
                }
                if !matches!(name, "echo" | "printf" | "find")
                    && let Some(w) = c.args().iter().find(|w| !w.quoted && w.text.starts_with('*'))
                {
                    self.emit(
                        "DF107",
                        info.offset(w.start),
                        format!("glob `{}` may expand to names that look like options; use `./{}`", w.text, w.text),
                    );
                }
                if name == "ln" && c.args().iter().filter(|w| !w.text.starts_with('-')).count() == 1 {
                    self.emit("DF109", at, "ln without a destination: the link is made in the current directory");
                }
            }
        }
        if posix && let Some(at) = ls_into_grep(script) {
            self.emit("DF108", info.offset(at), "`ls | grep` breaks on unusual file names; use a glob or find");
        }
        if apt_updated && !removed_lists && final_stage && !info.mounts.iter().any(|m| m.contains("/var/lib/apt")) {
            self.emit("DF042", info.keyword, "/var/lib/apt/lists written by `update` and not removed in the same RUN");
        }
    }

    fn check_assignment(&mut self, at: usize, word: &str) {
        let Some((k, v)) = word.split_once('=') else { return };
        self.check_env_like(at, &[(k.to_string(), Some(v.to_string()))], false);
    }
}

/// Copies `text[span]` into `out` without escaped newlines and the comment or blank lines inside a continuation,
/// recording the file offset of every byte kept.
fn unfold(text: &str, span: std::ops::Range<usize>, escape: char, out: &mut String, map: &mut Vec<usize>) {
    let raw = &text[span.clone()];
    let mut i = 0;
    let b = raw.as_bytes();
    while i < raw.len() {
        let ch = raw[i..].chars().next().unwrap_or(' ');
        if ch == escape {
            let rest = &raw[i + ch.len_utf8()..];
            let ws = rest.len() - rest.trim_start_matches([' ', '\t', '\r']).len();
            if rest[ws..].starts_with('\n') || i + ch.len_utf8() + ws == raw.len() {
                i += ch.len_utf8() + ws + 1;
                // Docker drops comment and empty lines inside a continued instruction.
                loop {
                    let line_end = raw[i.min(raw.len())..].find('\n').map_or(raw.len(), |e| i + e);
                    let line = raw.get(i..line_end).unwrap_or("").trim();
                    if i < raw.len() && (line.starts_with('#') || line.is_empty()) && line_end < raw.len() {
                        i = line_end + 1;
                    } else {
                        break;
                    }
                }
                out.push(' ');
                map.push(span.start + i.min(raw.len()));
                continue;
            }
            if escape == '\\' {
                // Keep the backslash for the shell, and the escaped character with it.
                out.push(ch);
                map.push(span.start + i);
                i += 1;
                if let Some(next) = raw[i..].chars().next() {
                    out.push(next);
                    map.extend(std::iter::repeat_n(span.start + i, next.len_utf8()));
                    i += next.len_utf8();
                }
                continue;
            }
        }
        let _ = b;
        out.push(ch);
        map.extend(std::iter::repeat_n(span.start + i, ch.len_utf8()));
        i += ch.len_utf8();
    }
}

/// A quoted word with an escape such as `\n` or `\t` that only some echo implementations expand.
fn has_escape_sequence(text: &str) -> bool {
    text.as_bytes()
        .windows(2)
        .any(|w| w[0] == b'\\' && matches!(w[1], b'n' | b't' | b'r' | b'a' | b'b' | b'f' | b'v' | b'0' | b'c' | b'e'))
}

/// Where `ls` is piped into `grep` (the script offset of the `ls`, or of the word holding the substitution).
fn ls_into_grep(script: &Script) -> Option<usize> {
    let direct = script
        .commands
        .windows(2)
        .find(|w| w[0].base_name() == Some("ls") && w[0].pipe_next && w[1].base_name() == Some("grep"))
        .and_then(|w| w[0].words.first().map(|word| word.start));
    direct.or_else(|| {
        script.commands.iter().flat_map(|c| &c.words).find_map(|w| {
            // Outermost substitutions only: each level recurses into its own (see shell::substitutions).
            shell::substitutions(&w.text)
                .into_iter()
                .any(|i| ls_into_grep(&shell::parse(i)).is_some())
                .then_some(w.start)
        })
    })
}

/// The command's words, or for `xargs [options] cmd args` the words of the command xargs runs.
fn xargs_command(c: &SimpleCommand) -> &[shell::Word] {
    if c.base_name() != Some("xargs") {
        return &c.words;
    }
    let mut i = 1;
    while let Some(w) = c.words.get(i) {
        if !w.text.starts_with('-') || w.text == "-" {
            break;
        }
        // Options whose value is the next word.
        i += if matches!(w.text.as_str(), "-n" | "-I" | "-P" | "-d" | "-L" | "-a" | "-E" | "-s") { 2 } else { 1 };
    }
    c.words.get(i..).unwrap_or(&[])
}

fn subcommand(c: &SimpleCommand) -> Option<String> {
    // Options that take a value before the subcommand (`apt-get -o X=Y install`).
    let mut skip = false;
    for w in c.args() {
        if skip {
            skip = false;
            continue;
        }
        if matches!(w.text.as_str(), "-o" | "-c" | "-t" | "--setopt" | "-X" | "--repository" | "-R" | "--root") {
            skip = true;
            continue;
        }
        if !w.text.starts_with('-') {
            return Some(w.text.clone());
        }
    }
    None
}

/// The operands after the subcommand that are not options (nor values of `value_opts`).
fn packages<'c>(c: &'c SimpleCommand, value_opts: &[&str]) -> Vec<&'c shell::Word> {
    let mut out = Vec::new();
    let mut seen_sub = false;
    let mut skip = false;
    for w in c.args() {
        if skip {
            skip = false;
            continue;
        }
        let t = w.text.as_str();
        if t.starts_with('-') {
            if value_opts.contains(&t) {
                skip = true;
            }
            continue;
        }
        if !seen_sub {
            seen_sub = true;
            continue;
        }
        // A `$LIST` of packages is as unpinned as the names it holds (hadolint counts it too).
        if t.is_empty() {
            continue;
        }
        out.push(w);
    }
    out
}

fn has_rpm_version(p: &str) -> bool {
    // `git-core-${version}`: the version is in the variable.
    if p.contains('$') {
        return true;
    }
    let b = p.as_bytes();
    b.windows(2).any(|w| w[0] == b'-' && w[1].is_ascii_digit()) || p.contains(['=', '<', '>'])
}

/// For `pip install`, `pip3 install`, `python -m pip install`: (is install, packages, options).
fn pip_install(c: &SimpleCommand) -> Option<(bool, Vec<String>, Vec<String>)> {
    let name = c.base_name()?;
    let args: Vec<&str> = c.args().iter().map(|w| w.text.as_str()).collect();
    let rest: &[&str] =
        if name == "pipx" || name.starts_with("pip") && name[3..].chars().all(|c| c.is_ascii_digit() || c == '.') {
            &args
        } else if name.starts_with("python") {
            let m = args.windows(2).position(|w| w[0] == "-m" && w[1].starts_with("pip"))?;
            &args[m + 2..]
        } else {
            return None;
        };
    let mut opts = Vec::new();
    let mut pkgs = Vec::new();
    let mut is_install = false;
    let mut skip = false;
    let mut from_file = false;
    for a in rest {
        if skip {
            skip = false;
            continue;
        }
        if a.starts_with('-') {
            opts.push(a.to_string());
            if matches!(*a, "-r" | "--requirement" | "-c" | "--constraint" | "-e" | "--editable") {
                from_file = true;
                skip = true;
            } else if matches!(
                *a,
                "-i" | "--index-url"
                    | "--extra-index-url"
                    | "--trusted-host"
                    | "-f"
                    | "--find-links"
                    | "--target"
                    | "-t"
                    | "--prefix"
                    | "--root"
                    | "--platform"
                    | "--python-version"
                    | "--only-binary"
                    | "--no-binary"
                    | "--progress-bar"
                    | "--cache-dir"
                    | "--src"
                    | "--upgrade-strategy"
                    | "--root-user-action"
            ) {
                skip = true;
            }
            continue;
        }
        if !is_install {
            if *a == "install" {
                is_install = true;
                continue;
            }
            return Some((false, pkgs, opts));
        }
        pkgs.push(a.to_string());
    }
    // A constraints file pins what is installed (hadolint agrees); a requirements file pins only its own lines.
    if opts.iter().any(|o| o == "-c" || o == "--constraint") {
        pkgs.clear();
    }
    let _ = from_file;
    Some((is_install, pkgs, opts))
}

fn pip_pinned(p: &str) -> bool {
    // A VCS URL is pinned by `@ref` after the repository (`git+https://host/x/y.git@v1.2#egg=y`), not by the
    // `user@` of an ssh address.
    if let Some(url) = p.strip_prefix("git+").or_else(|| p.strip_prefix("hg+")).or_else(|| p.strip_prefix("svn+")) {
        return url.rsplit('/').next().is_some_and(|last| last.contains('@'));
    }
    // A path (`foo/bar`, `./pkg`) installs what is there.
    if p.contains('/') && !p.contains("://") {
        return true;
    }
    p.contains("==")
        || p.contains("!=")
        || p.contains(['<', '>'])
        || p.contains(">=")
        || p.contains("<=")
        || p.contains("~=")
        || p.contains('@')
        || p.starts_with('.')
        || p.starts_with('/')
        || p.starts_with('$')
        || p.contains("://")
        || p.ends_with(".whl")
        || p.ends_with(".tar.gz")
        || p.ends_with(".zip")
}

fn npm_pinned(p: &str) -> bool {
    // A git URL is pinned by its `#commit-ish`; other URLs, tarballs and paths install what they name.
    if p.starts_with("git+") || p.starts_with("git://") || p.starts_with("github:") {
        return p.contains('#');
    }
    let name = p.strip_prefix('@').map_or(p, |r| r.split_once('/').map_or(r, |(_, n)| n));
    name.contains('@')
        || p.starts_with(['.', '/', '~', '$'])
        || p.contains("://")
        || p.ends_with(".tgz")
        || p.ends_with(".tar")
        || p.ends_with(".tar.gz")
}

/// Private keys, credentials and dotenv files by name.
fn is_secret_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_lowercase();
    matches!(
        name.as_str(),
        "id_rsa"
            | "id_dsa"
            | "id_ecdsa"
            | "id_ed25519"
            | ".env"
            | ".netrc"
            | ".npmrc"
            | ".pypirc"
            | "credentials"
            | ".git-credentials"
            | ".dockercfg"
    ) || name.ends_with(".pem") && name.contains("key")
        || name.ends_with(".key")
        || name.ends_with(".p12")
        || name.ends_with(".pfx")
        || (name.starts_with(".env.") && !name.ends_with(".example") && !name.ends_with(".sample"))
}

fn is_archive(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".tar", ".tgz", ".tbz2", ".txz", ".gz", ".bz2", ".xz", ".zst"].iter().any(|ext| lower.ends_with(ext))
}

fn references(value: &str, name: &str) -> bool {
    value.match_indices('$').any(|(i, _)| {
        let rest = &value[i + 1..];
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        rest.starts_with(name) && !rest[name.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
    })
}

fn label_key_valid(k: &str) -> bool {
    let reserved = ["com.docker.", "io.docker.", "org.dockerproject."];
    !k.is_empty()
        && k.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
        && k.starts_with(|c: char| c.is_ascii_alphanumeric())
        && k.ends_with(|c: char| c.is_ascii_alphanumeric())
        && !k.contains("..")
        && !k.contains("--")
        && !reserved.iter().any(|r| k.starts_with(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images() {
        assert_eq!(split_image("a/b:1@sha256:x"), ImageRef { name: "a/b", tag: Some("1"), digest: Some("sha256:x") });
        assert_eq!(split_image("localhost:5000/a"), ImageRef { name: "localhost:5000/a", tag: None, digest: None });
        assert!(invalid_image("gcr.io/x/y:sha256:abc").is_some());
        assert!(invalid_image("Python:3").is_some());
        assert!(invalid_image("python:3.12-slim").is_none());
    }

    #[test]
    fn heredoc_bodies_and_continuations_keep_positions() {
        let policy = Policy::only("DF046");
        let text = "FROM alpine:3.20\nRUN <<EOF\napk update\n  apk add --no-cache git\nEOF\nRUN apk update && \\\n# a comment inside\n    apk add --no-cache curl\n";
        let found: Vec<(u32, u32)> = crate::lint_text(crate::Kind::Dockerfile, "Dockerfile", text, &policy)
            .iter()
            .map(|f| (f.line.unwrap_or(0), f.column.unwrap_or(0)))
            .collect();
        assert_eq!(found, [(4, 3), (8, 5)]);
    }

    #[test]
    fn an_empty_exec_form_is_read_and_the_rest_checked() {
        let policy = Policy::default();
        let text = "FROM alpine:3.20\nENTRYPOINT []\nCMD [ ]\nRUN apk add curl\n";
        let found: Vec<(String, u32)> = crate::lint_text(crate::Kind::Dockerfile, "Dockerfile", text, &policy)
            .iter()
            .map(|f| (f.rule.clone(), f.line.unwrap_or(0)))
            .collect();
        assert!(!found.iter().any(|(r, _)| r == "GN001"), "{found:?}");
        assert!(found.contains(&("DF046".to_string(), 4)), "{found:?}");
        assert_eq!(instruction_lines(text), [1, 4]);
    }

    fn rules_and_lines(text: &str) -> Vec<(String, u32)> {
        crate::lint_text(crate::Kind::Dockerfile, "Dockerfile", text, &Policy::default())
            .iter()
            .map(|f| (f.rule.clone(), f.line.unwrap_or(0)))
            .collect()
    }

    /// A file that does not begin with FROM is reported as such and its instructions are still checked, on their
    /// own lines (as hadolint does); what the invented `FROM scratch` would draw is not reported.
    #[test]
    fn a_file_without_from_is_checked_all_the_same() {
        let found = rules_and_lines("# a fragment\nRUN apt-get install curl\nUSER root\n");
        assert!(found.contains(&("DF034".to_string(), 2)), "{found:?}");
        assert!(found.contains(&("DF039".to_string(), 2)), "{found:?}");
        assert!(found.contains(&("DF040".to_string(), 2)), "{found:?}");
        assert!(!found.iter().any(|(r, l)| *l == 0 || r == "DF013"), "{found:?}");
        let only_args = rules_and_lines("ARG VERSION=1\n");
        assert!(only_args.iter().any(|(r, _)| r == "GN001"), "{only_args:?}");
    }

    /// An ONBUILD RUN runs in every image built FROM this one: its script is checked like a RUN's.
    #[test]
    fn onbuild_run_bodies_are_checked() {
        let found =
            rules_and_lines("FROM debian:12.5\nONBUILD RUN apt-get update && apt-get install -y curl\nUSER 10001\n");
        for rule in ["DF039", "DF041", "DF042"] {
            assert!(found.contains(&(rule.to_string(), 2)), "{rule}: {found:?}");
        }
    }

    /// RUN scripts as hadolint gives them to ShellCheck: the stage's shell and names, one line per Dockerfile line.
    #[test]
    fn shell_scripts_keep_lines_shells_and_names() {
        let text = "ARG GLOBAL=1\nFROM debian:12.5\nARG VERSION=1\nENV HOME_DIR=/srv\nRUN echo a \\\n# dropped by Docker\n    && echo b \\ \n    && echo c\nSHELL [\"/bin/bash\", \"-c\"]\nONBUILD RUN echo d\nRUN <<EOF\necho e\nEOF\nFROM alpine:3.20\nRUN [\"echo\", \"f\"]\nRUN echo g\n";
        let scripts = shell_scripts(text);
        let got: Vec<(u32, &str, &str)> = scripts.iter().map(|s| (s.line, s.shell.as_str(), s.body.as_str())).collect();
        assert_eq!(
            got,
            [
                (5, "/bin/sh", "echo a \\\n\\\n    && echo b \\\n    && echo c"),
                (10, "/bin/bash", "echo d"),
                (16, "/bin/sh", "echo g"),
            ]
        );
        assert!(
            scripts[0].declared.iter().any(|n| n == "VERSION") && scripts[0].declared.iter().any(|n| n == "HOME_DIR")
        );
        assert!(!scripts[0].declared.iter().any(|n| n == "GLOBAL"), "a global ARG is not in the stage");
        assert!(!scripts[2].declared.iter().any(|n| n == "VERSION"), "names start anew at FROM");
    }

    #[test]
    fn escape_directive() {
        let policy = Policy::only("DF046");
        let text = "# escape=`\nFROM alpine:3.20\nRUN apk update && `\n    apk add --no-cache curl\n";
        let found: Vec<u32> = crate::lint_text(crate::Kind::Dockerfile, "Dockerfile", text, &policy)
            .iter()
            .filter_map(|f| f.line)
            .collect();
        assert_eq!(found, [4]);
    }

    #[test]
    fn substitution() {
        let vars = BTreeMap::from([("V".to_string(), "3.12".to_string())]);
        assert_eq!(substitute("python:${V}-slim", &vars), "python:3.12-slim");
        assert_eq!(substitute("python:$V", &vars), "python:3.12");
        assert_eq!(substitute("x:${W:-1}", &vars), "x:1");
        assert_eq!(substitute("x:$W", &vars), "x:$W");
    }
}
