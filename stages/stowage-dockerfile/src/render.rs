//! Rendering with minijinja: the built-in templates (`templates/dockerfile/`, embedded at build time) and the app's
//! overrides. A file in the app's template folder (default `.stowage/templates/`) with the name of a built-in
//! template replaces it whole; the generated file's header names the override. A broken override is an error at its
//! `file:line`, and nothing is written.

use std::path::Path;

use minijinja::{Environment, UndefinedBehavior};

/// The built-in templates, by name. `_common.j2` holds the macros the others import.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("_common.j2", include_str!("../../../templates/dockerfile/_common.j2")),
    ("node.Dockerfile.j2", include_str!("../../../templates/dockerfile/node.Dockerfile.j2")),
    ("python.Dockerfile.j2", include_str!("../../../templates/dockerfile/python.Dockerfile.j2")),
    ("go.Dockerfile.j2", include_str!("../../../templates/dockerfile/go.Dockerfile.j2")),
    ("rust.Dockerfile.j2", include_str!("../../../templates/dockerfile/rust.Dockerfile.j2")),
    ("java.Dockerfile.j2", include_str!("../../../templates/dockerfile/java.Dockerfile.j2")),
    ("dotnet.Dockerfile.j2", include_str!("../../../templates/dockerfile/dotnet.Dockerfile.j2")),
    ("php.Dockerfile.j2", include_str!("../../../templates/dockerfile/php.Dockerfile.j2")),
    ("ruby.Dockerfile.j2", include_str!("../../../templates/dockerfile/ruby.Dockerfile.j2")),
    ("static.Dockerfile.j2", include_str!("../../../templates/dockerfile/static.Dockerfile.j2")),
    ("dev.Dockerfile.j2", include_str!("../../../templates/dockerfile/dev.Dockerfile.j2")),
    ("dockerignore.j2", include_str!("../../../templates/dockerfile/dockerignore.j2")),
];

pub struct Templates {
    env: Environment<'static>,
    /// App-relative folder of the overrides and the names found there.
    folder: String,
    overridden: Vec<String>,
}

fn new_env() -> Environment<'static> {
    let mut env = Environment::new();
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
        .expect("the default delimiters are valid");
    env.set_syntax(syntax);
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    // JSON for exec-form arrays: `["node", "server.js"]`.
    env.add_filter("exec", |v: minijinja::Value| -> Result<String, minijinja::Error> {
        let items: Vec<String> =
            v.try_iter()?.map(|i| i.as_str().map(str::to_string).unwrap_or_else(|| i.to_string())).collect();
        Ok(format!(
            "[{}]",
            items.iter().map(|i| serde_json::to_string(i).expect("string")).collect::<Vec<_>>().join(", ")
        ))
    });
    env
}

fn error_at(file: &str, e: &minijinja::Error) -> String {
    let line = e.line().map_or(String::new(), |l| format!(":{l}"));
    let detail = e.detail().map_or(String::new(), |d| format!(": {d}"));
    if file.starts_with("templates/dockerfile/") {
        return format!("{file}{line}: the built-in template failed ({}{detail}): this is a bug in stowage", e.kind());
    }
    format!(
        "{file}{line}: broken template override ({}{detail}); fix it or remove it to use the built-in template",
        e.kind()
    )
}

impl Templates {
    /// The built-in templates, with the overrides found in `folder` of the app (checked now, so that a broken one
    /// stops the run before anything is rendered).
    pub fn load(app: &Path, folder: &str) -> Result<Templates, String> {
        let mut env = new_env();
        let mut overridden = Vec::new();
        for (name, text) in BUILT_IN {
            let custom = app.join(folder).join(name);
            let source = if custom.is_file() {
                let shown = format!("{}/{name}", folder.trim_end_matches('/'));
                let text = std::fs::read_to_string(&custom)
                    .map_err(|e| format!("{shown}: cannot read the template override: {e}"))?;
                env.add_template_owned(name.to_string(), text).map_err(|e| error_at(&shown, &e))?;
                overridden.push(name.to_string());
                continue;
            } else {
                *text
            };
            env.add_template(name, source).expect("built-in templates compile (tested)");
        }
        Ok(Templates { env, folder: folder.trim_end_matches('/').to_string(), overridden })
    }

    /// The built-in templates only.
    pub fn built_in() -> Templates {
        let mut env = new_env();
        for (name, text) in BUILT_IN {
            env.add_template(name, text).expect("built-in templates compile (tested)");
        }
        Templates { env, folder: String::new(), overridden: Vec::new() }
    }

    /// How the header names the template a file came from.
    pub fn origin(&self, name: &str) -> String {
        if self.overridden.iter().any(|o| o == name) {
            format!("{}/{name} (this app's override of the built-in template)", self.folder)
        } else {
            format!("{name} (built in)")
        }
    }

    /// Renders `name` for the file at `path`, with `vars` and `template` (the origin line).
    pub fn render(&self, name: &str, path: &str, vars: &impl serde::Serialize) -> Result<String, String> {
        let template =
            self.env.get_template(name).map_err(|e| error_at(&format!("templates/dockerfile/{name}"), &e))?;
        let ctx = minijinja::context! { template => self.origin(name), path => path, ..minijinja::Value::from(minijinja::value::Serde(vars)) };
        let shown = if self.overridden.iter().any(|o| o == name) {
            format!("{}/{name}", self.folder)
        } else {
            format!("templates/dockerfile/{name}")
        };
        let text = template.render(ctx).map_err(|e| error_at(&shown, &e))?;
        // One trailing newline, no trailing blanks: what people commit.
        let mut out: String = text.lines().map(str::trim_end).collect::<Vec<_>>().join("\n");
        while out.contains("\n\n\n") {
            out = out.replace("\n\n\n", "\n\n");
        }
        Ok(out.trim().to_string() + "\n")
    }
}
