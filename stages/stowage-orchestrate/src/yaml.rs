//! A small YAML writer for the files this stage generates. Hand-written because the stage only writes YAML, in one
//! shape (maps in a chosen order, lists, scalars, comments), and no YAML crate in the project's crate research notes keeps
//! key order and comments without pulling a parser in; every string is double-quoted with JSON escapes, which YAML
//! 1.2 reads as the same string, so no value can turn into a number, a boolean or a null by accident.

/// A YAML value whose maps keep the order they were built in.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Map(Vec<(String, Node)>),
    List(Vec<Node>),
    Str(String),
    Int(i64),
    Bool(bool),
    /// No value (`key:`): in a compose `environment:`, a variable passed from the caller's environment, unset in the
    /// container when it is unset there.
    Null,
    /// A comment line in a map or list, written before the entry that follows it.
    Comment(String),
}

impl Node {
    pub fn map() -> Node {
        Node::Map(Vec::new())
    }

    /// Appends `key: value` to a map (a no-op on any other node).
    pub fn set(&mut self, key: &str, value: Node) -> &mut Node {
        if let Node::Map(entries) = self {
            entries.push((key.to_string(), value));
        }
        self
    }

    /// Appends a comment line to a map.
    pub fn comment(&mut self, text: &str) -> &mut Node {
        if let Node::Map(entries) = self {
            entries.push((String::new(), Node::Comment(text.to_string())));
        }
        self
    }

    pub fn str(text: impl Into<String>) -> Node {
        Node::Str(text.into())
    }

    pub fn strs<S: AsRef<str>>(items: &[S]) -> Node {
        Node::List(items.iter().map(|s| Node::str(s.as_ref())).collect())
    }

    fn is_empty_collection(&self) -> bool {
        matches!(self, Node::Map(e) if e.is_empty()) || matches!(self, Node::List(l) if l.is_empty())
    }
}

fn key(text: &str) -> String {
    let plain = !text.is_empty()
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
        && !text.starts_with(['-', '.']);
    if plain { text.to_string() } else { quote(text) }
}

fn quote(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

fn scalar(node: &Node) -> String {
    match node {
        Node::Str(s) => quote(s),
        Node::Int(i) => i.to_string(),
        Node::Bool(b) => b.to_string(),
        Node::Null => "null".into(),
        Node::Map(_) => "{}".into(),
        Node::List(_) => "[]".into(),
        Node::Comment(_) => String::new(),
    }
}

fn write(out: &mut String, node: &Node, indent: usize) {
    let pad = " ".repeat(indent);
    match node {
        Node::Map(entries) => {
            for (k, v) in entries {
                match v {
                    Node::Comment(c) => out.push_str(&format!("{pad}# {c}\n")),
                    Node::Null => out.push_str(&format!("{pad}{}:\n", key(k))),
                    Node::Map(_) | Node::List(_) if !v.is_empty_collection() => {
                        out.push_str(&format!("{pad}{}:\n", key(k)));
                        write(out, v, indent + 2);
                    }
                    _ => out.push_str(&format!("{pad}{}: {}\n", key(k), scalar(v))),
                }
            }
        }
        Node::List(items) => {
            for item in items {
                match item {
                    Node::Comment(c) => out.push_str(&format!("{pad}# {c}\n")),
                    Node::Map(entries) if !entries.is_empty() => {
                        // The first entry shares the dash's line; the others line up under it.
                        let mut inner = String::new();
                        write(&mut inner, item, indent + 2);
                        let first = inner.find(|c: char| c != ' ').unwrap_or(0);
                        out.push_str(&format!("{pad}- {}", &inner[first..]));
                    }
                    Node::List(l) if !l.is_empty() => {
                        out.push_str(&format!("{pad}-\n"));
                        write(out, item, indent + 2);
                    }
                    _ => out.push_str(&format!("{pad}- {}\n", scalar(item))),
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
}

/// The document: `header` lines as comments, then the node.
pub fn render(header: &[&str], node: &Node) -> String {
    let mut out = String::new();
    for line in header {
        out.push_str(&format!("# {line}\n"));
    }
    write(&mut out, node, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_block_yaml_that_keeps_strings_strings() {
        let mut service = Node::map();
        service.set("image", Node::str("postgres:17"));
        service.comment("why");
        service.set("ports", Node::strs(&["8080:8080"]));
        service.set("read_only", Node::Bool(true));
        service.set("empty", Node::map());
        service.set("PASSED", Node::Null);
        let mut doc = Node::map();
        doc.set("services", Node::Map(vec![("db".into(), service)]));
        let mut item = Node::map();
        item.set("action", Node::str("sync")).set("path", Node::str("yes"));
        doc.set("watch", Node::List(vec![item]));
        let text = render(&["header"], &doc);
        assert_eq!(
            text,
            "# header\nservices:\n  db:\n    image: \"postgres:17\"\n    # why\n    ports:\n      - \"8080:8080\"\n    \
             read_only: true\n    empty: {}\n    PASSED:\nwatch:\n  - action: \"sync\"\n    path: \"yes\"\n"
        );
    }
}
