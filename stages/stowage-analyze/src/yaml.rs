//! A reader for the block-style YAML subset that compose files and Kubernetes manifests are written in: nested
//! maps and sequences, plain and quoted scalars, flow sequences of scalars, block scalars (skipped as text),
//! comments and `---` documents. Anchors, tags and multi-line flow collections are read as plain text.
//!
//! A YAML crate would read everything, but it would be this stage's largest dependency for a handful of keys
//! (ports, build contexts, images); every scalar here keeps its line, which the evidence needs anyway.

/// A YAML node; scalars keep their 1-based line.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    Map(Vec<(String, Yaml)>),
    Seq(Vec<Yaml>),
    Scalar(String, u32),
    Null,
}

impl Yaml {
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn str(&self) -> Option<&str> {
        match self {
            Yaml::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    pub fn line(&self) -> Option<u32> {
        match self {
            Yaml::Scalar(_, n) => Some(*n),
            _ => None,
        }
    }

    /// The items of a sequence (none for anything else).
    pub fn items(&self) -> &[Yaml] {
        match self {
            Yaml::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn entries(&self) -> &[(String, Yaml)] {
        match self {
            Yaml::Map(entries) => entries,
            _ => &[],
        }
    }
}

#[derive(Debug, Clone)]
struct Line {
    indent: usize,
    text: String,
    number: u32,
}

/// Drops a trailing ` # comment` outside quotes.
fn strip_comment(text: &str) -> &str {
    let (mut single, mut double) = (false, false);
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'#' if !single && !double && (i == 0 || bytes[i - 1] == b' ') => return text[..i].trim_end(),
            _ => {}
        }
    }
    text.trim_end()
}

/// Every document of `text`.
pub fn parse(text: &str) -> Vec<Yaml> {
    let mut docs = Vec::new();
    let mut current: Vec<Line> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let trimmed = raw.trim_start();
        if raw.starts_with("---") || raw.starts_with("...") {
            docs.push(std::mem::take(&mut current));
            continue;
        }
        let content = strip_comment(trimmed);
        if content.is_empty() {
            continue;
        }
        current.push(Line { indent: raw.len() - trimmed.len(), text: content.to_string(), number: i as u32 + 1 });
    }
    docs.push(current);
    docs.into_iter()
        .filter(|lines| !lines.is_empty())
        .map(|mut lines| {
            let mut i = 0;
            let indent = lines[0].indent;
            block(&mut lines, &mut i, indent, 0)
        })
        .collect()
}

/// Nesting deeper than this is not configuration anyone writes; it is skipped, so a hostile file cannot exhaust
/// the stack.
const MAX_DEPTH: usize = 64;

fn block(lines: &mut [Line], i: &mut usize, indent: usize, depth: usize) -> Yaml {
    if depth > MAX_DEPTH {
        *i += 1;
        while *i < lines.len() && lines[*i].indent >= indent {
            *i += 1;
        }
        return Yaml::Null;
    }
    match lines.get(*i) {
        Some(l) if l.text == "-" || l.text.starts_with("- ") => seq(lines, i, indent, depth),
        Some(_) => map(lines, i, indent, depth),
        None => Yaml::Null,
    }
}

/// `key: value` with the key unquoted; `None` when the line is not a mapping entry.
fn split_key(text: &str) -> Option<(String, &str)> {
    let (key, rest) = if let Some(q) = text.strip_prefix('"').or_else(|| text.strip_prefix('\'')) {
        let quote = text.as_bytes()[0] as char;
        let end = q.find(quote)?;
        (q[..end].to_string(), q[end + 1..].strip_prefix(':')?)
    } else {
        let at = text.find(": ").or_else(|| text.strip_suffix(':').map(|k| k.len()))?;
        (text[..at].trim().to_string(), &text[at + 1..])
    };
    (rest.is_empty() || rest.starts_with(' ')).then(|| (key, rest.trim()))
}

fn scalar(text: &str, line: u32) -> Yaml {
    let t = text.trim();
    if let Some(inner) = t.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        let items = inner.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| scalar(s, line)).collect();
        return Yaml::Seq(items);
    }
    if t == "{}" {
        return Yaml::Map(Vec::new());
    }
    if matches!(t, "~" | "null") {
        return Yaml::Null;
    }
    let unquoted =
        if t.len() >= 2 && (t.starts_with('"') && t.ends_with('"') || t.starts_with('\'') && t.ends_with('\'')) {
            &t[1..t.len() - 1]
        } else {
            t
        };
    Yaml::Scalar(unquoted.to_string(), line)
}

/// The value after `key:` on line `*i` (already consumed): inline, a block scalar, or a nested block.
fn value(lines: &mut [Line], i: &mut usize, indent: usize, inline: &str, number: u32, depth: usize) -> Yaml {
    if inline.starts_with('|') || inline.starts_with('>') {
        let mut text = Vec::new();
        while *i < lines.len() && lines[*i].indent > indent {
            text.push(lines[*i].text.clone());
            *i += 1;
        }
        return Yaml::Scalar(text.join("\n"), number);
    }
    if !inline.is_empty() {
        return scalar(inline, number);
    }
    match lines.get(*i) {
        Some(next) if next.indent > indent => {
            let child = next.indent;
            block(lines, i, child, depth + 1)
        }
        // A sequence may sit at its key's own indentation (`ports:` then `- 80` below it).
        Some(next) if next.indent == indent && (next.text == "-" || next.text.starts_with("- ")) => {
            seq(lines, i, indent, depth + 1)
        }
        _ => Yaml::Null,
    }
}

fn map(lines: &mut [Line], i: &mut usize, indent: usize, depth: usize) -> Yaml {
    let mut entries = Vec::new();
    while *i < lines.len() && lines[*i].indent == indent {
        let line = lines[*i].clone();
        if line.text == "-" || line.text.starts_with("- ") {
            break;
        }
        *i += 1;
        let Some((key, inline)) = split_key(&line.text) else { continue };
        let v = value(lines, i, indent, inline, line.number, depth);
        entries.push((key, v));
    }
    // Lines indented deeper than any key here (malformed input) are skipped rather than misread.
    while *i < lines.len() && lines[*i].indent > indent {
        *i += 1;
    }
    Yaml::Map(entries)
}

fn seq(lines: &mut [Line], i: &mut usize, indent: usize, depth: usize) -> Yaml {
    let mut items = Vec::new();
    while *i < lines.len() && lines[*i].indent == indent && (lines[*i].text == "-" || lines[*i].text.starts_with("- "))
    {
        let line = lines[*i].clone();
        let rest = line.text[1..].trim_start();
        if rest.is_empty() {
            *i += 1;
            items.push(match lines.get(*i) {
                Some(next) if next.indent > indent => {
                    let child = next.indent;
                    block(lines, i, child, depth + 1)
                }
                _ => Yaml::Null,
            });
            continue;
        }
        // `- key: value` opens a map whose keys sit at the column after the dash.
        let column = indent + (line.text.len() - rest.len());
        if split_key(rest).is_some() || rest.starts_with("- ") {
            lines[*i] = Line { indent: column, text: rest.to_string(), number: line.number };
            items.push(block(lines, i, column, depth + 1));
        } else {
            *i += 1;
            items.push(scalar(rest, line.number));
        }
    }
    Yaml::Seq(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_nesting_is_skipped() {
        let deep = format!("{}x\n", "- ".repeat(200_000));
        assert_eq!(parse(&deep).len(), 1);
        let mut stairs = String::new();
        for depth in 0..2000 {
            stairs.push_str(&format!("{}k{depth}:\n", " ".repeat(depth)));
        }
        stairs.push_str("ports: [1]\n");
        assert_eq!(parse(&stairs).len(), 1);
    }

    #[test]
    fn compose_and_manifests() {
        let docs = parse(
            "services:\n  api:\n    build:\n      context: ./api # the api\n    ports:\n    - \"8080:80\"\n    - 9000\n    expose: [\"3000\"]\n  db:\n    image: postgres\n",
        );
        let api = docs[0].get("services").and_then(|s| s.get("api")).expect("api");
        assert_eq!(api.get("build").and_then(|b| b.get("context")).and_then(Yaml::str), Some("./api"));
        let ports: Vec<&str> = api.get("ports").map(Yaml::items).unwrap_or(&[]).iter().filter_map(Yaml::str).collect();
        assert_eq!(ports, ["8080:80", "9000"]);
        assert_eq!(api.get("ports").map(|p| p.items()[1].line()), Some(Some(7)));
        assert_eq!(api.get("expose").map(|e| e.items().len()), Some(1));

        let docs = parse(
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: org/web:1\n          ports:\n            - containerPort: 8080\n              name: http\n          command: |\n            run\n            --fast\n---\nkind: Service\nspec:\n  ports:\n  - port: 80\n    targetPort: http\n",
        );
        assert_eq!(docs.len(), 2);
        let containers = docs[0]
            .get("spec")
            .and_then(|s| s.get("template"))
            .and_then(|t| t.get("spec"))
            .and_then(|s| s.get("containers"));
        let c = &containers.expect("containers").items()[0];
        assert_eq!(c.get("image").and_then(Yaml::str), Some("org/web:1"));
        let port = &c.get("ports").expect("ports").items()[0];
        assert_eq!(port.get("containerPort").and_then(Yaml::str), Some("8080"));
        assert_eq!(port.get("name").and_then(Yaml::str), Some("http"));
        let svc_port = &docs[1].get("spec").and_then(|s| s.get("ports")).expect("ports").items()[0];
        assert_eq!(svc_port.get("targetPort").and_then(Yaml::str), Some("http"));
    }
}
