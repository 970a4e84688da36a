//! Scheduled work: in-process schedulers (the process stays up, so it is a worker or stays a web service) and
//! one-shot commands that something outside the app runs on a schedule (jobs, rendered as CronJobs).
//!
//! The rule, also in the crate docs: a *job* is a command that starts, does its work and exits, and is started on
//! a schedule by configuration the app commits (a crontab, whenever's `config/schedule.rb`, Vercel `crons`,
//! Laravel's scheduler, which is run by `schedule:run` every minute). A scheduler *library* running inside a
//! long-lived process (node-cron, APScheduler, Celery beat, sidekiq-cron, Spring `@Scheduled`, robfig/cron,
//! tokio-cron-scheduler, ...) makes that process a worker (or leaves it a web service): a CronJob would start a
//! second copy of the scheduler at every tick. Its schedule is recorded for information only.

use crate::model::{Confidence, Evidence, Fact};
use crate::scan::{code_lines, literals};
use crate::walk::{Tree, file_name, is_under, join, parent};

/// Which process runs an in-process schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    /// The app's own process (the one whose code calls the library).
    App,
    /// `celery beat`, a process of its own.
    CeleryBeat,
    /// The Sidekiq process (sidekiq-cron, sidekiq-scheduler).
    Sidekiq,
}

/// One schedule stated to an in-process scheduler.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub value: String,
    pub evidence: Evidence,
    pub runner: Runner,
    pub library: &'static str,
}

/// A one-shot command run on a schedule: one job service each.
#[derive(Debug, Clone)]
pub struct Job {
    /// Becomes the end of the job service's name.
    pub slug: String,
    pub schedule: Option<Fact<String>>,
    /// None when the job runs the image's own command (a Kubernetes CronJob without `command`).
    pub command: Option<Fact<String>>,
    /// Why this is a job.
    pub evidence: Evidence,
}

/// A scheduler library: the dependency names that bring it, and the calls whose line states a schedule.
struct Library {
    name: &'static str,
    deps: &'static [&'static str],
    tokens: &'static [&'static str],
    runner: Runner,
}

const LIBRARIES: &[Library] = &[
    Library { name: "node-cron", deps: &["node-cron"], tokens: &[".schedule("], runner: Runner::App },
    Library { name: "cron", deps: &["cron"], tokens: &["CronJob(", "CronJob.from(", "cronTime:"], runner: Runner::App },
    Library { name: "node-schedule", deps: &["node-schedule"], tokens: &["scheduleJob("], runner: Runner::App },
    Library { name: "croner", deps: &["croner"], tokens: &["Cron("], runner: Runner::App },
    Library { name: "agenda", deps: &["agenda", "@hokify/agenda"], tokens: &[".every("], runner: Runner::App },
    Library { name: "bree", deps: &["bree"], tokens: &["cron:", "interval:"], runner: Runner::App },
    Library {
        name: "@nestjs/schedule",
        deps: &["@nestjs/schedule"],
        tokens: &["@Cron(", "@Interval("],
        runner: Runner::App,
    },
    Library {
        name: "APScheduler",
        deps: &["apscheduler"],
        tokens: &["add_job(", "scheduled_job(", "CronTrigger"],
        runner: Runner::App,
    },
    Library { name: "schedule", deps: &["schedule"], tokens: &["schedule.every("], runner: Runner::App },
    Library {
        name: "Celery beat",
        deps: &["celery"],
        tokens: &["crontab(", "'schedule':", "\"schedule\":", "add_periodic_task("],
        runner: Runner::CeleryBeat,
    },
    Library { name: "sidekiq-cron", deps: &["sidekiq-cron"], tokens: &["cron:"], runner: Runner::Sidekiq },
    Library {
        name: "sidekiq-scheduler",
        deps: &["sidekiq-scheduler"],
        tokens: &["cron:", "every:"],
        runner: Runner::Sidekiq,
    },
    Library { name: "rufus-scheduler", deps: &["rufus-scheduler"], tokens: &[".cron", ".every"], runner: Runner::App },
    Library { name: "clockwork", deps: &["clockwork"], tokens: &["every("], runner: Runner::App },
    Library { name: "Spring @Scheduled", deps: &["spring-boot"], tokens: &["@Scheduled("], runner: Runner::App },
    Library {
        name: "robfig/cron",
        deps: &["github.com/robfig/cron"],
        tokens: &["AddFunc(", "AddJob("],
        runner: Runner::App,
    },
    Library {
        name: "gocron",
        deps: &["github.com/go-co-op/gocron"],
        tokens: &[".Cron(", "CronJob(", ".Every(", "DurationJob("],
        runner: Runner::App,
    },
    Library {
        name: "tokio-cron-scheduler",
        deps: &["tokio-cron-scheduler"],
        tokens: &["Job::new(", "Job::new_async(", "Job::new_repeated(", "Job::new_repeated_async("],
        runner: Runner::App,
    },
];

fn has_dep(deps: &[(String, Evidence)], wanted: &str) -> bool {
    deps.iter().any(|(d, _)| {
        d == wanted
            // Go module paths carry a major-version suffix (`github.com/robfig/cron/v3`); Spring starters share
            // the `spring-boot` prefix.
            || (wanted.contains('/') && d.starts_with(&format!("{wanted}/")))
            || (wanted == "spring-boot" && d.starts_with("spring-boot"))
    })
}

const DAYS: &[&str] = &["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const MONTHS: &[&str] = &["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// A cron expression (five fields, six or seven when the library counts seconds or years) or a macro.
pub fn is_cron(text: &str) -> bool {
    let t = text.trim();
    if let Some(m) = t.strip_prefix('@') {
        return matches!(m, "yearly" | "annually" | "monthly" | "weekly" | "daily" | "midnight" | "hourly")
            || m.strip_prefix("every ").is_some_and(|d| !d.trim().is_empty());
    }
    let fields: Vec<&str> = t.split_whitespace().collect();
    (5..=7).contains(&fields.len())
        && fields.iter().any(|f| f.contains(|c: char| c.is_ascii_digit() || c == '*'))
        && fields.iter().all(|f| {
            f.chars().all(|c| c.is_ascii_digit() || "*/,-?#LW".contains(c))
                || f.split([',', '-', '/']).all(|p| {
                    let p = p.to_ascii_lowercase();
                    p.chars().all(|c| c.is_ascii_digit()) || DAYS.contains(&p.as_str()) || MONTHS.contains(&p.as_str())
                })
        })
}

/// `name=value` arguments of a call on one line (`crontab(minute=0, hour="3")`).
fn kwargs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for part in text.split([',', '(', ')', '{', '}']) {
        let Some((k, v)) = part.split_once('=') else { continue };
        let (k, v) = (k.trim(), v.trim().trim_matches(['"', '\'']));
        if !k.is_empty() && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') && !v.is_empty() {
            out.push((k.to_string(), v.to_string()));
        }
    }
    out
}

/// Cron fields from keyword arguments. Celery's `crontab()` defaults every field to `*`; APScheduler's cron
/// trigger defaults the fields finer than the finest one given to their minimum.
fn cron_from_kwargs(args: &[(String, String)], floor_finer: bool) -> Option<String> {
    let names = [("minute", "0"), ("hour", "0"), ("day", "1"), ("month", "1"), ("day_of_week", "*")];
    let get =
        |k: &str| args.iter().find(|(n, _)| n == k || (k == "day" && n == "day_of_month")).map(|(_, v)| v.clone());
    let given: Vec<Option<String>> = names.iter().map(|(n, _)| get(n)).collect();
    if given.iter().all(Option::is_none) {
        return None;
    }
    let finest = given.iter().position(Option::is_some).unwrap_or(0);
    let fields: Vec<String> = given
        .iter()
        .zip(names)
        .enumerate()
        .map(|(i, (v, (_, min)))| match v {
            Some(v) => v.clone(),
            None if floor_finer && i < finest && i < 2 => min.to_string(),
            None => "*".to_string(),
        })
        .collect();
    Some(fields.join(" "))
}

/// `every 5 minutes` from keyword arguments (`minutes=5`, `seconds=30`) or a Spring `fixedRate = 5000`.
fn interval(text: &str) -> Option<String> {
    for (k, v) in kwargs(text) {
        if matches!(k.as_str(), "seconds" | "minutes" | "hours" | "days" | "weeks") && v.parse::<f64>().is_ok() {
            return Some(format!("every {v} {k}"));
        }
    }
    for key in ["fixedRate", "fixedDelay"] {
        if let Some(rest) = text.split(key).nth(1) {
            let n: String = rest.trim_start_matches([' ', '=']).chars().take_while(|c| c.is_ascii_digit()).collect();
            if !n.is_empty() {
                return Some(format!("every {n} ms"));
            }
        }
    }
    None
}

/// The schedule a scheduler call states on `line` (with `after` the text from the token on).
fn schedule_on(line: &str, after: &str, library: &Library) -> Option<String> {
    // Spring placeholders carry their default: `"${app.cron:0 0 6 * * *}"`.
    let lits: Vec<&str> = literals(after)
        .into_iter()
        .map(|l| match l.strip_prefix("${").and_then(|p| p.strip_suffix('}')) {
            Some(p) => p.split_once(':').map_or(l, |(_, default)| default),
            None => l,
        })
        .collect();
    if let Some(cron) = lits.iter().find(|l| is_cron(l)) {
        return Some(cron.trim().to_string());
    }
    if library.name == "clockwork" {
        // `every(1.day, 'backup', at: '03:00')`: the period is code, the time a literal.
        let period = after.split_once("every(")?.1.split(',').next()?.trim().to_string();
        let at = after.split_once("at:").and_then(|(_, a)| literals(a).first().map(|t| format!(" at {t}")));
        return Some(format!("every {period}{}", at.unwrap_or_default()));
    }
    // YAML values are unquoted: `cron: "*/5 * * * *"` is caught above, `cron: 0 3 * * *` here.
    for key in ["cron:", "every:", "interval:"] {
        if let Some(v) = line.trim().strip_prefix(key).map(|v| v.trim().trim_matches(['"', '\''])) {
            if is_cron(v) {
                return Some(v.to_string());
            }
            if key != "cron:" && !v.is_empty() {
                return Some(format!("every {v}"));
            }
        }
    }
    if after.starts_with("crontab(") || after.contains("'cron'") || after.contains("\"cron\"") {
        let args = kwargs(after);
        return cron_from_kwargs(&args, library.runner == Runner::App);
    }
    match library.name {
        "agenda" | "rufus-scheduler" => lits.first().filter(|l| !l.is_empty()).map(|l| format!("every {l}")),
        "schedule" | "gocron" => {
            // `schedule.every(10).minutes.do(job)`, `s.Every(5).Minutes()`.
            let rest = after.split_once("very(")?.1;
            let n: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            let unit: String = rest
                .split_once(").")
                .map(|(_, u)| u.chars().take_while(|c| c.is_ascii_alphabetic()).collect::<String>())
                .unwrap_or_default()
                .to_ascii_lowercase();
            (!unit.is_empty()).then(|| if n.is_empty() { format!("every {unit}") } else { format!("every {n} {unit}") })
        }
        _ => interval(after).or_else(|| {
            let secs = after.split_once("'schedule':").or_else(|| after.split_once("\"schedule\":"))?.1.trim();
            let n: String = secs.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
            (!n.is_empty()).then(|| format!("every {} seconds", n.trim_end_matches(".0")))
        }),
    }
}

/// Schedules stated to in-process scheduler libraries the service depends on, in file and line order.
pub fn in_process(tree: &Tree, sources: &[String], deps: &[(String, Evidence)]) -> Vec<Schedule> {
    let libraries: Vec<&Library> = LIBRARIES.iter().filter(|l| l.deps.iter().any(|d| has_dep(deps, d))).collect();
    let mut out = Vec::new();
    if libraries.is_empty() {
        return out;
    }
    for path in sources {
        let Some(text) = tree.text(path) else { continue };
        let yaml = path.ends_with(".yml") || path.ends_with(".yaml");
        // Celery's schedule entries only count in a file that configures beat.
        let beat_file = ["beat_schedule", "CELERYBEAT_SCHEDULE", "add_periodic_task("].iter().any(|t| text.contains(t));
        for (n, line) in code_lines(text) {
            for library in &libraries {
                if library.runner == Runner::CeleryBeat && !beat_file {
                    continue;
                }
                // Sidekiq's schedules are YAML configuration; every other library's are calls in code.
                if (library.runner == Runner::Sidekiq) != yaml {
                    continue;
                }
                let Some(token) = library
                    .tokens
                    .iter()
                    .find(|t| line.contains(*t) && (yaml || !crate::scan::in_string(line, line.find(*t).unwrap_or(0))))
                else {
                    continue;
                };
                let after = &line[line.find(token).unwrap_or(0)..];
                if let Some(value) = schedule_on(line, after, library) {
                    let detail = format!("{} schedule `{value}`", library.name);
                    out.push(Schedule {
                        value,
                        evidence: Evidence::new(path, Some(n), detail),
                        runner: library.runner,
                        library: library.name,
                    });
                    break;
                }
            }
        }
    }
    out
}

/// Files a crontab is kept in: `crontab`, `*.crontab`, `*.cron`, anything in a `cron.d` folder.
fn is_crontab(path: &str) -> bool {
    let name = file_name(path);
    name == "crontab"
        || name == "crontab.txt"
        || name.ends_with(".crontab")
        || name.ends_with(".cron")
        || file_name(parent(path)) == "cron.d"
}

/// A short name for a command: the management command, rake task or script it runs.
fn slug(command: &str) -> String {
    let words: Vec<&str> = command
        .split("&&")
        .last()
        .unwrap_or(command)
        .split_whitespace()
        .take_while(|w| !w.starts_with('>') && !w.starts_with("2>") && *w != "|")
        .filter(|w| !w.starts_with('-'))
        .collect();
    let pick = words
        .iter()
        .rev()
        .find(|w| {
            let w = w.trim_matches(['"', '\'']);
            !w.is_empty()
                && !matches!(
                    w,
                    "python"
                        | "python3"
                        | "node"
                        | "ruby"
                        | "php"
                        | "bundle"
                        | "exec"
                        | "rake"
                        | "rails"
                        | "runner"
                        | "manage.py"
                        | "artisan"
                        | "npm"
                        | "run"
                        | "yarn"
                        | "sh"
                        | "bash"
                        | "curl"
                )
        })
        .copied()
        .unwrap_or("job");
    let pick = pick.trim_matches(['"', '\'']);
    let stem = file_name(pick).split('.').next().unwrap_or(pick);
    let stem = if stem.is_empty() { pick } else { stem };
    crate::detect::service_name(&stem.replace(':', "-"))
}

/// The command without redirections to log files (a container logs to stdout).
fn strip_redirections(command: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let mut skip_next = false;
    for w in command.split_whitespace() {
        if skip_next {
            skip_next = false;
            continue;
        }
        if matches!(w, ">" | ">>" | "2>" | "2>>" | "&>") {
            skip_next = true;
            continue;
        }
        if w.starts_with('>') || w.starts_with("2>") || w.starts_with("&>") || w == "2>&1" {
            continue;
        }
        out.push(w);
    }
    out.join(" ")
}

/// Job lines of a crontab: five fields (or a macro) then the command; a system crontab (`cron.d`) has a user field.
fn crontab_jobs(path: &str, text: &str, out: &mut Vec<Job>) {
    let system = file_name(parent(path)) == "cron.d" || path.ends_with("etc/crontab");
    for (n, line) in code_lines(text) {
        let t = line.trim();
        if t.is_empty() || t.split_whitespace().next().is_some_and(|w| w.contains('=')) {
            continue;
        }
        let words: Vec<&str> = t.split_whitespace().collect();
        let fields = if words[0].starts_with('@') { 1 } else { 5 };
        if words.len() <= fields || !is_cron(&words[..fields].join(" ")) || words[0] == "@reboot" {
            continue;
        }
        let skip = if system && words.len() > fields + 1 { fields + 1 } else { fields };
        let command = strip_redirections(&words[skip..].join(" "));
        if command.is_empty() {
            continue;
        }
        let schedule = words[..fields].join(" ");
        let ev = Evidence::new(path, Some(n), "crontab line: a command run on a schedule");
        out.push(Job {
            slug: slug(&command),
            schedule: Some(Fact::new(
                schedule.clone(),
                Confidence::High,
                Evidence { detail: format!("crontab schedule `{schedule}`"), ..ev.clone() },
            )),
            command: Some(Fact::new(
                command,
                Confidence::High,
                Evidence { detail: "crontab command".into(), ..ev.clone() },
            )),
            evidence: ev,
        });
    }
}

/// whenever's `every` argument as a cron expression, when it has one.
fn whenever_cron(every: &str, at: Option<&str>) -> Option<String> {
    let every = every.trim();
    let lits = literals(every);
    if let Some(raw) = lits.first().filter(|l| is_cron(l)) {
        return Some(raw.to_string());
    }
    let (minute, hour) = match at.and_then(parse_time) {
        Some((h, m)) => (m.to_string(), h.to_string()),
        None => ("0".to_string(), "0".to_string()),
    };
    let sym = every.trim_start_matches(':');
    let day = |dow: &str| format!("{minute} {hour} * * {dow}");
    Some(match sym {
        "hour" => "0 * * * *".into(),
        "day" => day("*"),
        "week" => format!("{minute} {hour} * * 0"),
        "month" => format!("{minute} {hour} 1 * *"),
        "year" => format!("{minute} {hour} 1 1 *"),
        "weekday" => day("1-5"),
        "weekend" => day("0,6"),
        s if DAYS.iter().any(|d| s.starts_with(d)) => {
            let i = DAYS.iter().position(|d| s.starts_with(d)).unwrap_or(0);
            day(&i.to_string())
        }
        s => {
            // `1.day`, `2.hours`, `15.minutes`.
            let (count, unit) = s.split_once('.')?;
            let count: u32 = count.trim().parse().ok()?;
            let every_n = |n: u32| if n == 1 { "*".to_string() } else { format!("*/{n}") };
            match unit.trim_end_matches('s') {
                "minute" => format!("{} * * * *", every_n(count)),
                "hour" => format!("0 {} * * *", every_n(count)),
                "day" => format!("{minute} {hour} {} * *", every_n(count)),
                "week" if count == 1 => format!("{minute} {hour} * * 0"),
                "month" => format!("{minute} {hour} 1 {} *", every_n(count)),
                _ => return None,
            }
        }
    })
}

/// `4:30 am`, `16:00`, `3am` as (hour, minute).
fn parse_time(at: &str) -> Option<(u32, u32)> {
    let lower = at.trim().to_ascii_lowercase();
    let pm = lower.ends_with("pm");
    let digits = lower.trim_end_matches("am").trim_end_matches("pm").trim();
    let (h, m) = digits.split_once(':').unwrap_or((digits, "0"));
    let (mut h, m): (u32, u32) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    if pm && h < 12 {
        h += 12;
    }
    if lower.ends_with("am") && h == 12 {
        h = 0;
    }
    (h < 24 && m < 60).then_some((h, m))
}

/// whenever's `config/schedule.rb`: each `runner`, `rake` or `command` inside an `every` block is a crontab line.
fn whenever_jobs(path: &str, text: &str, out: &mut Vec<Job>) {
    let mut current: Option<(Option<String>, u32, String)> = None;
    for (n, line) in code_lines(text) {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("every ") {
            let rest = rest.trim_end_matches(" do").trim();
            let (every, at) = match rest.split_once(", at:") {
                Some((e, a)) => (e, literals(a).first().map(|s| s.to_string())),
                None => (rest.split(',').next().unwrap_or(rest), None),
            };
            // `every :reboot` runs at boot, which a container does on every start: not a schedule.
            current =
                (every.trim() != ":reboot").then(|| (whenever_cron(every, at.as_deref()), n, every.trim().to_string()));
            continue;
        }
        if t == "end" {
            current = None;
            continue;
        }
        let Some((cron, every_line, every)) = &current else { continue };
        let mut name = None;
        let command = if let Some(rest) = t.strip_prefix("runner ") {
            name = literals(rest).first().map(|c| slug(&c.replace('.', "-")));
            literals(rest).first().map(|c| format!("bundle exec rails runner '{c}'"))
        } else if let Some(rest) = t.strip_prefix("rake ") {
            literals(rest).first().map(|c| format!("bundle exec rake {c}"))
        } else if let Some(rest) = t.strip_prefix("command ") {
            literals(rest).first().map(|c| c.to_string())
        } else {
            None
        };
        let Some(command) = command else { continue };
        let ev = Evidence::new(path, Some(n), "whenever job: a command written to the crontab");
        let schedule = cron.as_ref().map(|c| {
            Fact::new(
                c.clone(),
                Confidence::High,
                Evidence::new(path, Some(*every_line), format!("whenever `every {every}`")),
            )
        });
        out.push(Job {
            slug: name.unwrap_or_else(|| slug(&command)),
            schedule,
            command: Some(Fact::new(
                command,
                Confidence::High,
                Evidence { detail: "whenever job command".into(), ..ev.clone() },
            )),
            evidence: ev,
        });
    }
}

/// Vercel's `crons`: the platform calls a path of the web service on a schedule.
fn vercel_jobs(path: &str, text: &str, url: &str, out: &mut Vec<Job>) {
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(text) else { return };
    for cron in doc.get("crons").and_then(|c| c.as_array()).into_iter().flatten() {
        let (Some(route), Some(schedule)) =
            (cron.get("path").and_then(|p| p.as_str()), cron.get("schedule").and_then(|s| s.as_str()))
        else {
            continue;
        };
        let line = crate::detect::line_of(text, &format!("\"{route}\""));
        let ev = Evidence::new(path, line, format!("Vercel cron calls `{route}`"));
        out.push(Job {
            slug: slug(route.trim_matches('/').rsplit('/').next().unwrap_or("cron")),
            schedule: Some(Fact::new(schedule.to_string(), Confidence::High, ev.clone())),
            command: Some(Fact::new(format!("curl -fsS {url}{route}"), Confidence::Medium, ev.clone())),
            evidence: ev,
        });
    }
}

/// Render's blueprint (`render.yaml` at the repository root): `type: cron` services of the folder `root`
/// (their `rootDir`, the repository root by default).
fn render_jobs(text: &str, root: &str, out: &mut Vec<Job>) {
    use crate::yaml::Yaml;
    for doc in crate::yaml::parse(text) {
        for service in doc.get("services").map(Yaml::items).unwrap_or(&[]) {
            if service.get("type").and_then(Yaml::str) != Some("cron") {
                continue;
            }
            let dir = service.get("rootDir").and_then(Yaml::str).unwrap_or(".");
            if crate::scan::normalize_path(dir) != root {
                continue;
            }
            let (Some(schedule), Some(command)) = (service.get("schedule"), service.get("startCommand")) else {
                continue;
            };
            let (Some(schedule_text), Some(command_text)) = (schedule.str(), command.str()) else { continue };
            let name = service.get("name").and_then(Yaml::str).unwrap_or("cron");
            let ev = Evidence::new("render.yaml", command.line(), format!("Render cron job `{name}`"));
            out.push(Job {
                slug: crate::detect::service_name(name),
                schedule: Some(Fact::new(
                    schedule_text.to_string(),
                    Confidence::High,
                    Evidence::new("render.yaml", schedule.line(), format!("Render cron job `{name}` schedule")),
                )),
                command: Some(Fact::new(command_text.to_string(), Confidence::High, ev.clone())),
                evidence: ev,
            });
        }
    }
}

/// Railway runs a service as a cron job when its config sets `deploy.cronSchedule` (`railway.toml` or
/// `railway.json` in the service's folder): then the service itself is a job.
pub fn railway_schedule(tree: &Tree, root: &str) -> Option<Fact<String>> {
    let toml_path = join(root, "railway.toml");
    if let Some(text) = tree.text(&toml_path) {
        let doc = text.parse::<toml::Table>().ok()?;
        let schedule = doc.get("deploy")?.get("cronSchedule")?.as_str()?;
        let line = crate::detect::line_of(text, "cronSchedule");
        return Some(Fact::new(
            schedule.to_string(),
            Confidence::High,
            Evidence::new(&toml_path, line, "Railway `deploy.cronSchedule`"),
        ));
    }
    let json_path = join(root, "railway.json");
    let text = tree.text(&json_path)?;
    let doc = serde_json::from_str::<serde_json::Value>(text).ok()?;
    let schedule = doc.get("deploy")?.get("cronSchedule")?.as_str()?;
    let line = crate::detect::line_of(text, "cronSchedule");
    Some(Fact::new(
        schedule.to_string(),
        Confidence::High,
        Evidence::new(&json_path, line, "Railway `deploy.cronSchedule`"),
    ))
}

/// One-shot commands the app schedules, from files under `root` outside nested projects. `url` is how a job
/// reaches the service itself (`http://name:port`), for schedules that call a path.
pub fn jobs(tree: &Tree, root: &str, nested: &[String], framework: Option<&str>, url: &str) -> Vec<Job> {
    let mut out = Vec::new();
    let own = |p: &str| !nested.iter().any(|n| n != root && is_under(p, n) && (root == "." || is_under(n, root)));
    for (path, text) in tree.texts_under(root) {
        if !own(path) || crate::detect::is_sample_input(path) {
            continue;
        }
        if is_crontab(path) {
            crontab_jobs(path, text, &mut out);
        }
    }
    let whenever = join(root, "config/schedule.rb");
    if let Some(text) = tree.text(&whenever) {
        whenever_jobs(&whenever, text, &mut out);
    }
    if let Some(text) = tree.text("render.yaml") {
        render_jobs(text, root, &mut out);
    }
    let vercel = join(root, "vercel.json");
    if let Some(text) = tree.text(&vercel) {
        vercel_jobs(&vercel, text, url, &mut out);
    }
    if framework == Some("Laravel") {
        // Laravel's scheduler is documented to run from one cron entry, `schedule:run` every minute.
        let found = ["app/Console/Kernel.php", "routes/console.php"].iter().find_map(|f| {
            let p = join(root, f);
            let text = tree.text(&p)?;
            code_lines(text)
                .find(|(_, l)| l.contains("$schedule->") || l.contains("Schedule::"))
                .map(|(n, _)| (p.clone(), n))
        });
        if let Some((p, n)) = found {
            let ev = Evidence::new(&p, Some(n), "Laravel scheduler: one cron entry runs `schedule:run` every minute");
            out.push(Job {
                slug: "schedule".into(),
                schedule: Some(Fact::new("* * * * *".into(), Confidence::Medium, ev.clone())),
                command: Some(Fact::new("php artisan schedule:run".into(), Confidence::High, ev.clone())),
                evidence: ev,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cron_expressions() {
        for yes in ["*/5 * * * *", "0 3 * * MON-FRI", "0 0 * * * *", "@daily", "@every 5m", "0 9 1 jan *"] {
            assert!(is_cron(yes), "{yes}");
        }
        for no in ["", "every day", "a b c d e", "1 2 3", "@reboot", "hello world this is text"] {
            assert!(!is_cron(no), "{no}");
        }
    }

    #[test]
    fn whenever_every_to_cron() {
        assert_eq!(whenever_cron("1.day", Some("4:30 am")).as_deref(), Some("30 4 * * *"));
        assert_eq!(whenever_cron(":hour", None).as_deref(), Some("0 * * * *"));
        assert_eq!(whenever_cron("15.minutes", None).as_deref(), Some("*/15 * * * *"));
        assert_eq!(whenever_cron(":sunday", Some("12pm")).as_deref(), Some("0 12 * * 0"));
        assert_eq!(whenever_cron("'0 0 27-31 * *'", None).as_deref(), Some("0 0 27-31 * *"));
        assert_eq!(whenever_cron(":reboot", None), None);
    }

    #[test]
    fn celery_and_apscheduler_kwargs() {
        assert_eq!(cron_from_kwargs(&kwargs("crontab(hour=3, minute=0)"), false).as_deref(), Some("0 3 * * *"));
        assert_eq!(cron_from_kwargs(&kwargs("crontab(hour=3)"), false).as_deref(), Some("* 3 * * *"));
        assert_eq!(cron_from_kwargs(&kwargs("add_job(f, 'cron', hour=3)"), true).as_deref(), Some("0 3 * * *"));
    }

    #[test]
    fn command_slugs() {
        assert_eq!(slug("cd /app && python manage.py clearsessions"), "clearsessions");
        assert_eq!(slug("node scripts/cleanup.js >> /var/log/cron.log 2>&1"), "cleanup");
        assert_eq!(slug("bundle exec rake reports:send"), "reports-send");
        assert_eq!(strip_redirections("node x.js >> /var/log/cron.log 2>&1"), "node x.js");
    }
}
