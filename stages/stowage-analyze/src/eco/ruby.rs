//! Ruby: Gemfile (read by hand: `gem "name"` and `ruby "x.y"` lines), Gemfile.lock; Rails and Sinatra.

use crate::detect::{Draft, Found, fact, skipped, sources, version_file};
use crate::model::{Confidence, Evidence, Fact};
use crate::scan::{code_lines, literals};
use crate::walk::{Tree, file_name, join, parent};

const EXTS: &[&str] = &["rb", "ru", "yml", "yaml"];

pub fn detect(tree: &Tree, projects: &[String], app_name: &str) -> Vec<Found> {
    let mut found = Vec::new();
    for path in tree.texts.keys().filter(|p| file_name(p) == "Gemfile") {
        found.push(project(tree, projects, path, app_name));
    }
    found
}

fn project(tree: &Tree, projects: &[String], path: &str, app_name: &str) -> Found {
    let dir = parent(path);
    let text = tree.text(path).unwrap_or("");
    let mut gems: Vec<(String, Evidence)> = Vec::new();
    let mut ruby = None;
    let mut gemspec = false;
    for (n, line) in code_lines(text) {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("gem ") {
            if let Some(name) = literals(rest).first() {
                gems.push((name.to_string(), Evidence::new(path, Some(n), format!("gem `{name}`"))));
            }
        } else if let Some(rest) = t.strip_prefix("ruby ") {
            if let Some(v) = literals(rest).first() {
                ruby = Some(fact(*v, Confidence::High, path, Some(n), "Gemfile `ruby`"));
            }
        } else if t == "gemspec" || t.starts_with("gemspec ") {
            gemspec = true;
        }
    }
    let has = |g: &str| gems.iter().find(|(n, _)| n == g).map(|(_, ev)| ev.clone());
    let rails = has("rails").or_else(|| has("railties"));
    let sinatra = has("sinatra");
    let config_ru = join(dir, "config.ru");
    let app_file = tree
        .texts_under(dir)
        .filter(|(p, _)| p.ends_with(".rb") && parent(p) == dir)
        .find(|(_, t)| t.contains("require 'sinatra'") || t.contains("require \"sinatra\""))
        .map(|(p, _)| p.to_string());
    if rails.is_none() && sinatra.is_none() && !tree.exists(&config_ru) && !tree.exists(&join(dir, "Procfile")) {
        let what = if gemspec { "Ruby gem" } else { "Ruby library" };
        return skipped(dir, format!("{what} ({path}): no Rails, Sinatra, config.ru or Procfile"));
    }
    let name = if dir == "." { app_name.to_string() } else { file_name(dir).to_string() };
    let mut draft =
        Draft::new(&crate::detect::service_name(&name), dir, fact("ruby", Confidence::High, path, None, "Gemfile"));
    draft.runtime_version = version_file(tree, dir, dir, &[".ruby-version"], "Ruby version file").or(ruby);
    draft.package_manager = Some(fact("bundler", Confidence::High, path, None, "Gemfile"));
    let lock = join(dir, "Gemfile.lock");
    if tree.exists(&lock) {
        draft.lockfile = Some(fact(lock.clone(), Confidence::High, &lock, None, "lockfile"));
    }
    draft.web_framework = true;
    draft.build.version = ruby_version(tree, dir);
    if let Some(ev) = rails {
        draft.framework = Some(Fact::new("Rails".to_string(), Confidence::High, ev.clone()));
        draft.default_port =
            Some((3000, Evidence { detail: "Rails (Puma) serves on 3000 by default".into(), ..ev.clone() }));
        draft.start_command =
            Some(fact("bundle exec rails server -b 0.0.0.0", Confidence::Medium, path, ev.line, "Rails server"));
        if tree.exists(&join(dir, "Rakefile")) {
            draft.build_command = Some(fact(
                "bundle exec rails assets:precompile",
                Confidence::Low,
                path,
                ev.line,
                "Rails asset pipeline",
            ));
        }
        for w in ["tmp", "log", "storage"] {
            // tmp and log are always written; storage only when Active Storage keeps files on disk.
            if w != "storage" || tree.files_under(&join(dir, w)).next().is_some() {
                draft.writable.push(Fact::new(
                    w.to_string(),
                    Confidence::Medium,
                    Evidence { detail: "Rails writes here at run time".into(), ..ev.clone() },
                ));
            }
        }
    } else if let Some(ev) = sinatra {
        draft.framework = Some(Fact::new("Sinatra".to_string(), Confidence::High, ev.clone()));
        if tree.exists(&config_ru) {
            draft.start_command =
                Some(fact("bundle exec rackup --host 0.0.0.0", Confidence::Medium, &config_ru, None, "Rack config"));
            draft.default_port = Some((9292, Evidence::new(&config_ru, None, "rackup serves on 9292 by default")));
        } else if let Some(file) = &app_file {
            let rel = file.strip_prefix(&format!("{dir}/")).unwrap_or(file);
            draft.start_command = Some(fact(
                format!("bundle exec ruby {rel} -o 0.0.0.0"),
                Confidence::Medium,
                file,
                None,
                "Sinatra app file",
            ));
            draft.default_port =
                Some((4567, Evidence { detail: "Sinatra serves on 4567 by default".into(), ..ev.clone() }));
        }
    } else if tree.exists(&config_ru) {
        draft.start_command =
            Some(fact("bundle exec rackup --host 0.0.0.0", Confidence::Medium, &config_ru, None, "Rack config"));
        draft.default_port = Some((9292, Evidence::new(&config_ru, None, "rackup serves on 9292 by default")));
    } else {
        draft.web_framework = false;
    }
    draft.deps = gems;
    draft.sources = sources(tree, dir, projects, EXTS, &[]);
    Found::Service(Box::new(draft))
}

/// The version a gemspec (`spec.version = "1.2.3"`) or a `version.rb` (`VERSION = "1.2.3"`) under `lib/` states as
/// a literal; a version computed at load time is not reported.
fn ruby_version(tree: &Tree, dir: &str) -> Option<Fact<String>> {
    let mut candidates: Vec<&str> = tree
        .texts_under(dir)
        .map(|(p, _)| p)
        .filter(|p| {
            (parent(p) == dir && p.ends_with(".gemspec"))
                || (file_name(p) == "version.rb" && p.starts_with(&join(dir, "lib/")))
        })
        .collect();
    candidates.sort();
    candidates.into_iter().find_map(|p| {
        let text = tree.text(p)?;
        code_lines(text).find_map(|(n, line)| {
            let t = line.trim();
            let rest = t.strip_prefix("VERSION").or_else(|| t.split_once(".version").map(|(_, r)| r))?;
            let value = rest.trim_start().strip_prefix('=')?.trim().trim_end_matches(".freeze");
            let literal = literals(value).into_iter().next().filter(|_| value.starts_with(['"', '\'']))?;
            literal.chars().next().is_some_and(|c| c.is_ascii_digit()).then(|| {
                fact(
                    literal,
                    Confidence::High,
                    p,
                    Some(n),
                    if p.ends_with(".gemspec") { "gemspec version" } else { "VERSION constant" },
                )
            })
        })
    })
}
