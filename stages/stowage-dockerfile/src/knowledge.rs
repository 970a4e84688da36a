//! The knowledge base (`policies/knowledge.toml`): release lines per language with their end-of-life dates and the
//! official images that publish them, the OS releases under those images, and the shared tool images.
//!
//! Everything is judged against the base's own `as_of` date, never the clock, so that output is deterministic.
//! [`Knowledge::resolve`] turns the version constraint an app states into one release line:
//! an exact pin is honoured (past end of life it carries a warning with the date), a range or a minimum resolves to
//! the newest supported line inside it, and no constraint gives the newest LTS line (the newest supported line for
//! a language without LTS lines).

use std::collections::BTreeMap;

use serde::Deserialize;

/// The knowledge base shipped with this build; `stowage knowledge` and the stage read the same bytes.
pub const EMBEDDED: &str = include_str!("../../../policies/knowledge.toml");

/// A calendar date, compared and counted in days; parsed from `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.split('-');
        let year = parts.next()?.parse().ok()?;
        let month = parts.next()?.parse().ok()?;
        let day = parts.next()?.parse().ok()?;
        if parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) || text.len() != 10 {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Days since 1970-01-01 (Howard Hinnant's days-from-civil; a date crate would be a dependency for one function).
    pub fn days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// Today in UTC, for `stowage knowledge`'s age only; generation never reads the clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let z = (secs / 86_400) as i64 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        Date::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a YYYY-MM-DD date")))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Knowledge {
    pub as_of: Date,
    pub os: Vec<Os>,
    pub image: Vec<Image>,
    pub language: Vec<Language>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Os {
    pub id: String,
    pub name: String,
    pub released: Date,
    pub eol: Date,
    pub source: String,
}

/// An image that is not a language line: a distroless runtime, a tool copied into a build stage.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    pub id: String,
    pub reference: String,
    pub os: String,
    pub note: String,
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// No constraint: the newest line that is LTS at `as_of`.
    Lts,
    /// No constraint: the newest supported line (languages without LTS lines).
    Newest,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Language {
    pub id: String,
    pub name: String,
    pub policy: Policy,
    pub source: String,
    pub line: Vec<Line>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    pub version: String,
    pub released: Date,
    /// When the line became LTS, for languages that name LTS lines.
    #[serde(default)]
    pub lts: Option<Date>,
    /// End of upstream support; absent when none was announced at `as_of`.
    #[serde(default)]
    pub eol: Option<Date>,
    pub os: String,
    /// Role (`build`, `runtime`, `jdk`, `jre`, `sdk`, `apache`, ...) to image reference.
    pub images: BTreeMap<String, String>,
    pub source: String,
}

impl Line {
    pub fn supported_at(&self, date: Date) -> bool {
        self.released <= date && self.eol.is_none_or(|eol| date < eol)
    }
}

/// What the app states about its runtime version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Constraint {
    None,
    /// An exact version or line (`.nvmrc` 20.11.1, `.python-version` 3.11, a toolchain channel).
    Exact(String),
    /// A lowest version (`rust-version`, the `go` directive, `>=3.11`).
    AtLeast(String),
    /// Compatible releases of one major (`^8.2`, `~> 3.2`): at least this version, below the next major.
    Caret(String),
}

/// The line chosen for a service and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub language: String,
    pub line: String,
    /// Role to image reference.
    pub images: BTreeMap<String, String>,
    /// One sentence for the Dockerfile comment: what the app asked for and what was chosen.
    pub reason: String,
    /// Set when an exact pin is past its end of life at `as_of`: the date.
    pub past_eol: Option<Date>,
}

/// Splits `1.22.1` into numbers; non-numeric parts end the version.
fn numbers(version: &str) -> Vec<u64> {
    version.trim_start_matches('v').split('.').map_while(|p| p.parse().ok()).collect()
}

/// True when `version` is on `line` (`20.11.1` is on `20`, `3.11` is on `3.11`).
fn on_line(version: &str, line: &str) -> bool {
    let (v, l) = (numbers(version), numbers(line));
    !l.is_empty() && v.len() >= l.len() && v[..l.len()] == l[..]
}

/// Compares a line with a version at the line's precision (`3.11` vs `3.9.2` compares 3.11 with 3.9).
fn line_cmp(line: &str, version: &str) -> std::cmp::Ordering {
    let (l, mut v) = (numbers(line), numbers(version));
    v.resize(l.len(), 0);
    l.cmp(&v)
}

impl Knowledge {
    pub fn load(text: &str, origin: &str) -> Result<Knowledge, String> {
        let knowledge: Knowledge = toml::from_str(text).map_err(|e| {
            let (line, _) = line_column(text, e.span().map_or(0, |s| s.start));
            format!("{origin}:{line}: invalid knowledge base: {}", e.message())
        })?;
        knowledge.check().map_err(|e| format!("{origin}: {e}"))?;
        Ok(knowledge)
    }

    pub fn embedded() -> Knowledge {
        Knowledge::load(EMBEDDED, "policies/knowledge.toml").expect("the embedded knowledge base is checked by tests")
    }

    /// The shape rules every entry keeps: sources are URLs, OS ids exist, lines are in ascending order.
    fn check(&self) -> Result<(), String> {
        let os_ids: Vec<&str> = self.os.iter().map(|o| o.id.as_str()).collect();
        let url = |s: &str| s.starts_with("https://");
        for os in &self.os {
            if !url(&os.source) {
                return Err(format!("os `{}` needs an https source", os.id));
            }
        }
        for image in &self.image {
            if !url(&image.source) || !os_ids.contains(&image.os.as_str()) {
                return Err(format!("image `{}` needs an https source and a known os", image.id));
            }
        }
        for lang in &self.language {
            for (i, line) in lang.line.iter().enumerate() {
                if !url(&line.source) || !os_ids.contains(&line.os.as_str()) {
                    return Err(format!("{} {} needs an https source and a known os", lang.id, line.version));
                }
                if line.images.is_empty() {
                    return Err(format!("{} {} names no image", lang.id, line.version));
                }
                if i > 0 && line_cmp(&lang.line[i - 1].version, &line.version) != std::cmp::Ordering::Less {
                    return Err(format!("{} lines must be listed in ascending order ({})", lang.id, line.version));
                }
            }
        }
        Ok(())
    }

    pub fn language(&self, id: &str) -> Option<&Language> {
        self.language.iter().find(|l| l.id == id)
    }

    pub fn image(&self, id: &str) -> Option<&Image> {
        self.image.iter().find(|i| i.id == id)
    }

    pub fn os(&self, id: &str) -> Option<&Os> {
        self.os.iter().find(|o| o.id == id)
    }

    /// The line for `language` under `constraint`, judged at `as_of`.
    pub fn resolve(&self, language: &str, constraint: &Constraint) -> Result<Resolved, String> {
        let lang = self.language(language).ok_or_else(|| format!("the knowledge base has no language `{language}`"))?;
        let at = self.as_of;
        let supported: Vec<&Line> = lang.line.iter().filter(|l| l.supported_at(at)).collect();
        let pick = |line: &Line, reason: String, past_eol: Option<Date>| Resolved {
            language: lang.id.clone(),
            line: line.version.clone(),
            images: line.images.clone(),
            reason,
            past_eol,
        };
        match constraint {
            Constraint::None => {
                let line = match lang.policy {
                    Policy::Lts => supported.iter().rev().find(|l| l.lts.is_some_and(|d| d <= at)),
                    Policy::Newest => supported.last(),
                }
                .ok_or_else(|| format!("no supported {} line at {at}", lang.name))?;
                let kind = if lang.policy == Policy::Lts { "newest LTS line" } else { "newest supported line" };
                Ok(pick(
                    line,
                    format!("{} {}: no version constraint in the app, the {kind} at {at}", lang.name, line.version),
                    None,
                ))
            }
            Constraint::Exact(version) => {
                let line = lang.line.iter().rev().find(|l| on_line(version, &l.version)).ok_or_else(|| {
                    format!(
                        "{} {version} is not in the knowledge base (policies/knowledge.toml, as of {at}); \
                         pin a listed line or add it with its source",
                        lang.name
                    )
                })?;
                let past = line.eol.filter(|eol| *eol <= at);
                let status = match past {
                    Some(eol) => format!(", past end of life since {eol}"),
                    None => line.eol.map_or(String::new(), |eol| format!(", supported until {eol}")),
                };
                Ok(pick(line, format!("{} {}: pinned by the app ({version}){status}", lang.name, line.version), past))
            }
            Constraint::AtLeast(min) | Constraint::Caret(min) => {
                let major = numbers(min).first().copied().unwrap_or(0);
                let in_range = |l: &&&Line| {
                    line_cmp(&l.version, min) != std::cmp::Ordering::Less
                        && (!matches!(constraint, Constraint::Caret(_)) || numbers(&l.version).first() == Some(&major))
                };
                // A minimum (`>=`, `rust-version`, the `go` directive) never asks for an older line than it names,
                // and the line a caret range starts on counts when the range starts inside it (`^8.2.3`).
                let line = supported
                    .iter()
                    .rfind(|l| in_range(l))
                    .or_else(|| supported.iter().rev().find(|l| on_line(min, &l.version)))
                    .ok_or_else(|| {
                        format!("no {} line supported at {at} satisfies the app's constraint ({min})", lang.name)
                    })?;
                let op = if matches!(constraint, Constraint::Caret(_)) { "^" } else { ">=" };
                Ok(pick(
                    line,
                    format!(
                        "{} {}: the newest line supported at {at} within the app's constraint ({op}{min})",
                        lang.name, line.version
                    ),
                    None,
                ))
            }
        }
    }

    /// Lines and OS releases whose end of life falls in `(as_of, until]`, for `stowage knowledge`.
    pub fn passed_since(&self, until: Date) -> Vec<String> {
        let mut out = Vec::new();
        for lang in &self.language {
            for line in &lang.line {
                if let Some(eol) = line.eol.filter(|e| *e > self.as_of && *e <= until) {
                    out.push(format!("{} {} reached end of life on {eol}", lang.name, line.version));
                }
            }
        }
        for os in &self.os {
            if os.eol > self.as_of && os.eol <= until {
                out.push(format!("{} reached end of life on {}", os.name, os.eol));
            }
        }
        out
    }
}

/// 1-based line and column of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Reads the constraint an app states from a runtime-version fact: the value and its evidence's detail.
/// Minimums are the Go `go` directive and Cargo's `rust-version`; ranges are the operators written in the detail
/// (`requires-python \`>=3.11\``, `require.php \`^8.2\``); anything else is an exact pin.
pub fn constraint_from(value: &str, detail: &str) -> Constraint {
    let quoted = detail.split('`').nth(1).unwrap_or("").trim();
    if detail.contains("go directive") || detail.contains("rust-version") {
        return Constraint::AtLeast(value.to_string());
    }
    let first = quoted.split(['|', ',']).next().unwrap_or("").trim();
    if let Some(rest) = first.strip_prefix("^").or_else(|| first.strip_prefix("~>")).or_else(|| first.strip_prefix("~"))
    {
        return Constraint::Caret(rest.trim().to_string());
    }
    if let Some(rest) = first.strip_prefix(">=").or_else(|| first.strip_prefix(">")) {
        return Constraint::AtLeast(rest.trim().to_string());
    }
    if first.starts_with("<") || first == "*" {
        return Constraint::None;
    }
    Constraint::Exact(value.to_string())
}
