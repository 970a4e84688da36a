//! `docs/dockerfile.md`: the decision table, the corporate-CA hooks, the knowledge base's summary and the variables
//! every template receives, generated from the code and data they describe and drift-checked by a test
//! (`UPDATE_EXPECT=1 cargo test -p stowage-dockerfile --test templates` regenerates it).

use crate::knowledge::Knowledge;

/// The decision table: recipe.rs's module docs, the one place it is written.
const DECISIONS: &str = include_str!("recipe.rs");

pub fn render() -> String {
    let mut out = String::from(
        "# The dockerfile stage\n\n\
         <!-- Generated from stages/stowage-dockerfile (recipe.rs, ca.rs, the templates' variables) and \
         policies/knowledge.toml; do not edit. -->\n\n\
         For every image the application model needs, the stage writes a multi-stage `Dockerfile`, a `Dockerfile.dev` \
         and an ignore file, from the templates in `templates/dockerfile/` and the base images of the knowledge base, \
         and one build note for the app, `docs/building.md`: per image the `docker build` command, the build secret \
         for a TLS-intercepting proxy, `--build-arg REGISTRY=` for a mirror and `--platform`. \
         `stowage knowledge` prints the base's date, its age and what has reached end of life since.\n\n## Decision table\n\n",
    );
    for line in DECISIONS.lines().take_while(|l| l.starts_with("//!")) {
        let text = line.trim_start_matches("//!").trim_start();
        if text.starts_with('|') || text.starts_with("Workers") {
            out.push_str(text);
            out.push('\n');
        }
    }
    out.push_str("\n## Corporate TLS proxies\n\nEvery dependency step mounts the optional build secret `ca` and, only when it is present, points its \
                  package manager at it for that step; nothing is stored in a layer and the build works without it \
                  (`--secret id=ca,src=/path/to/ca-bundle.pem`).\n\n| package manager | how it trusts the extra CA |\n|---|---|\n");
    for (manager, how, _) in crate::ca::HOOKS {
        out.push_str(&format!("| {manager} | {how} |\n"));
    }
    let kb = Knowledge::embedded();
    out.push_str(&format!(
        "\n## Knowledge base (policies/knowledge.toml, as of {})\n\nAn exact pin is honoured (past end of life it is a \
         warning with the date); a range or minimum resolves to the newest supported line inside it; no constraint gives \
         the newest LTS line (the newest supported line for languages without LTS). Dates are judged against `as_of`, \
         never the clock.\n\n| language | line | released | LTS since | end of life | images |\n|---|---|---|---|---|---|\n",
        kb.as_of
    ));
    for lang in &kb.language {
        for line in &lang.line {
            let images: Vec<String> = line.images.iter().map(|(role, r)| format!("{role}: `{r}`")).collect();
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                lang.name,
                line.version,
                line.released,
                line.lts.map_or("-".into(), |d| d.to_string()),
                line.eol.map_or("not announced".into(), |d| d.to_string()),
                images.join(", ")
            ));
        }
    }
    out.push_str("\n| OS | released | end of life |\n|---|---|---|\n");
    for os in &kb.os {
        out.push_str(&format!("| {} | {} | {} |\n", os.name, os.released, os.eol));
    }
    out.push_str(
        "\n## Templates and their variables\n\nA file in the app's template folder (`[stages.dockerfile] templates`, default \
         `.stowage/templates/`) named like a built-in template replaces it whole; the generated file's header names the \
         override, and a broken override stops the run with its `file:line` (exit code 2). Templates: ",
    );
    let names: Vec<String> = crate::render::BUILT_IN.iter().map(|(n, _)| format!("`{n}`")).collect();
    out.push_str(&names.join(", "));
    out.push_str(
        " (`_common.j2` holds the macros the others import).\n\n| variable | templates | meaning |\n|---|---|---|\n",
    );
    for (name, templates, meaning) in crate::recipe::VARIABLES {
        out.push_str(&format!("| `{name}` | {templates} | {meaning} |\n"));
    }
    out
}
