//! Static sites nested in other projects: an `index.html` is a site of its own only when no project owns its
//! folder (monorepo roots own nothing) and it is not documentation; a folder with a package.json static build is a
//! site wherever it is.

mod support;

/// (name, kind, root) of every service, in model order.
type Want = &'static [(&'static str, &'static str, &'static str)];

fn services(files: &[(&str, &str)], label: &str) -> (Vec<(String, String, String)>, Vec<String>) {
    let model = support::analyze_app(&support::app(label, files));
    let services =
        model.services.iter().map(|s| (s.name.clone(), s.kind.value.as_str().to_string(), s.root.clone())).collect();
    (services, model.skipped.iter().map(|s| format!("{}: {}", s.path, s.reason)).collect())
}

fn check(label: &str, files: &[(&str, &str)], want: Want) -> Vec<String> {
    let (got, skipped) = services(files, label);
    let want: Vec<(String, String, String)> =
        want.iter().map(|(n, k, r)| (n.to_string(), k.to_string(), r.to_string())).collect();
    if got == want { Vec::new() } else { vec![format!("{label}: got {got:?}, want {want:?} (skipped: {skipped:?})")] }
}

const FLASK: &[(&str, &str)] =
    &[("requirements.txt", "flask\n"), ("app.py", "from flask import Flask\napp = Flask(__name__)\n")];

#[test]
fn nested_static_sites() {
    let mut failures = Vec::new();
    // Documentation inside a Python app is part of it, not a deployable.
    let mut files = FLASK.to_vec();
    files.push(("docs/index.html", "<h1>Docs</h1>\n"));
    files.push(("docs/_static/app.js", "console.log(1)\n"));
    failures.extend(check("docs-in-a-python-app", &files, &[("app", "web", ".")]));

    // A server's own templates and public folder are its assets.
    let mut files = FLASK.to_vec();
    files.push(("templates/index.html", "<h1>{{ title }}</h1>\n"));
    files.push(("static/index.html", "<h1>hi</h1>\n"));
    failures.extend(check("server-assets", &files, &[("app", "web", ".")]));

    // A site folder with its own package.json and a static build is a deployable, even inside a Python app.
    let mut files = FLASK.to_vec();
    files.push((
        "site/package.json",
        r#"{"name":"site","scripts":{"build":"vite build"},"devDependencies":{"vite":"5"}}"#,
    ));
    files.push(("site/index.html", "<div id=\"app\"></div>\n"));
    failures.extend(check("site-with-a-static-build", &files, &[("app", "web", "."), ("site", "static", "site")]));

    // A plain public/ site in a workspace monorepo is a site, named after its folder; the monorepo's docs are not.
    let monorepo: &[(&str, &str)] = &[
        ("package.json", r#"{"name":"mono","private":true,"workspaces":["apps/*"]}"#),
        (
            "apps/api/package.json",
            r#"{"name":"api","scripts":{"start":"node index.js"},"dependencies":{"express":"4"}}"#,
        ),
        ("apps/api/index.js", "require('express')().listen(3000);\n"),
        ("apps/landing/public/index.html", "<h1>Landing</h1>\n"),
        ("apps/landing/public/about/index.html", "<h1>About</h1>\n"),
        ("docs/index.html", "<h1>Docs</h1>\n"),
    ];
    failures.extend(check(
        "public-site-in-a-monorepo",
        monorepo,
        &[("api", "web", "apps/api"), ("landing", "static", "apps/landing/public")],
    ));
    let (_, skipped) = services(monorepo, "monorepo-docs-reason");
    if !skipped.iter().any(|s| s.starts_with("docs: documentation site")) {
        failures.push(format!("the monorepo's docs/ should be listed as not deployed: {skipped:?}"));
    }

    // A library's demo page belongs to the library; a site in a folder without a manifest at the root of a
    // repository without one is a site.
    failures.extend(check(
        "library-demo-page-and-plain-site",
        &[
            ("packages/ui/package.json", r#"{"name":"ui","main":"index.js"}"#),
            ("packages/ui/index.html", "<script src=\"index.js\"></script>\n"),
            ("marketing/index.html", "<h1>Hi</h1>\n"),
        ],
        &[("marketing", "static", "marketing")],
    ));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
