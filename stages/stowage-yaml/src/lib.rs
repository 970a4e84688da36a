//! The one YAML reader of stowage: multi-document YAML with the line and column of every node, built from
//! saphyr-parser's events. analyze reads compose files and Kubernetes manifests with it, validate judges them with
//! it, and the generators read what they need back; its errors are its own ([`Error`]), which each user turns into
//! its diagnostics.
//!
//! A tree of our own (rather than a serde model) because rules need the position of any key or value, must see
//! duplicate keys (which serde models drop or reject without a position), and must keep going on documents that
//! no schema describes.

use std::collections::{BTreeMap, HashMap};

use saphyr_parser::{Event, Parser, ScalarStyle};

/// Why the reader stopped or what it refused, at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl Error {
    fn new((line, column): (u32, u32), message: impl Into<String>) -> Error {
        Error { line, column, message: message.into() }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for Error {}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar's text; `plain` is false when it was quoted (so `"true"` is a string, not a boolean).
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

static EMPTY: Vec<Node> = Vec::new();

impl Node {
    pub fn pos(&self) -> (u32, u32) {
        (self.line, self.column)
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        let Value::Map(entries) = &self.value else { return None };
        entries.iter().find(|(k, _)| k.str() == Some(key)).map(|(_, v)| v).or_else(|| {
            // `<<: *anchor` merge keys.
            entries.iter().filter(|(k, _)| k.str() == Some("<<")).find_map(|(_, v)| v.get(key))
        })
    }

    /// The entry's key node, for pointing at `key:` rather than its value.
    pub fn key(&self, key: &str) -> Option<&Node> {
        let Value::Map(entries) = &self.value else { return None };
        entries.iter().find(|(k, _)| k.str() == Some(key)).map(|(k, _)| k)
    }

    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    pub fn str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, plain } if !(*plain && is_null(text)) => Some(text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true } if is_null(text))
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar { text, plain: true } => match text.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        self.str().and_then(|s| s.parse().ok())
    }

    pub fn seq(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &EMPTY,
        }
    }

    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// One document of a stream; `root` is None for an empty document.
#[derive(Debug)]
pub struct Document {
    pub root: Option<Node>,
    pub line: u32,
}

/// Deepest nesting parsed. Rules and `Drop` recurse over the tree, so a deeper file (easy to write: `- - - - x`)
/// would overflow the stack; the parser itself stops flow collections at 255 levels.
pub const MAX_DEPTH: usize = 256;

/// Most nodes that aliases may copy into a file's tree. Each alias is expanded into a copy, so a few lines of
/// aliases of aliases ("billion laughs") would otherwise take all memory; real files copy a few thousand at most.
pub const MAX_ALIAS_NODES: usize = 250_000;

/// A collection being parsed: its node, the key waiting for its value, its anchor, how many nodes it holds, how
/// many levels it spans, and (for a mapping) the line of each key so far, to find duplicates without comparing
/// every pair.
struct Open {
    node: Node,
    pending_key: Option<Node>,
    anchor: usize,
    size: usize,
    height: usize,
    keys: HashMap<String, u32>,
}

/// Parses every document. A syntax error ends the stream with an [`Error`] at its position; the documents before
/// it are still returned. Duplicate keys are reported as errors too, and the first value is kept. Nesting deeper
/// than [`MAX_DEPTH`] or aliases copying more than [`MAX_ALIAS_NODES`] end the stream the same way.
pub fn parse(text: &str) -> (Vec<Document>, Vec<Error>) {
    let mut docs = Vec::new();
    let mut diags = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    // An anchored node, its size and its height: an alias copies all three into the tree.
    let mut anchors: BTreeMap<usize, (Node, usize, usize)> = BTreeMap::new();
    let mut copied = 0;
    let mut doc_line = 1;
    let mut root: Option<Node> = None;
    for event in Parser::new_from_str(text) {
        let (event, span) = match event {
            Ok(e) => e,
            Err(e) => {
                let m = e.marker();
                diags.push(Error::new(
                    (m.line().max(1) as u32, m.col() as u32 + 1),
                    format!("YAML does not parse: {}", e.info()),
                ));
                break;
            }
        };
        let (line, column) = (span.start.line().max(1) as u32, span.start.col() as u32 + 1);
        let (node, size, height) = match event {
            Event::DocumentStart(_) => {
                doc_line = line;
                root = None;
                continue;
            }
            Event::DocumentEnd => {
                docs.push(Document { root: root.take(), line: doc_line });
                continue;
            }
            Event::Scalar(text, style, anchor, _) => {
                let n = Node {
                    value: Value::Scalar { text: text.into_owned(), plain: style == ScalarStyle::Plain },
                    line,
                    column,
                };
                if anchor > 0 {
                    anchors.insert(anchor, (n.clone(), 1, 1));
                }
                (n, 1, 1)
            }
            Event::Alias(id) => match anchors.get(&id) {
                // Anchors nested in anchors stack their depths: the copy must fit under MAX_DEPTH like the rest.
                Some((_, _, height)) if stack.len() + height > MAX_DEPTH => {
                    diags.push(too_deep((line, column)));
                    break;
                }
                Some((n, size, height)) => {
                    copied += size;
                    if copied > MAX_ALIAS_NODES {
                        diags.push(Error::new(
                            (line, column),
                            format!(
                                "YAML aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb?); \
                                 the rest of the file is not checked"
                            ),
                        ));
                        break;
                    }
                    (n.clone(), *size, *height)
                }
                None => (Node { value: Value::Scalar { text: String::new(), plain: true }, line, column }, 1, 1),
            },
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    diags.push(too_deep((line, column)));
                    break;
                }
                let value = if matches!(event, Event::SequenceStart(..)) {
                    Value::Seq(Vec::new())
                } else {
                    Value::Map(Vec::new())
                };
                stack.push(Open {
                    node: Node { value, line, column },
                    pending_key: None,
                    anchor,
                    size: 1,
                    height: 1,
                    keys: HashMap::new(),
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(open) = stack.pop() else { continue };
                if open.anchor > 0 {
                    anchors.insert(open.anchor, (open.node.clone(), open.size, open.height));
                }
                (open.node, open.size, open.height)
            }
            _ => continue,
        };
        // Attach the finished node to its parent.
        match stack.last_mut() {
            None => root = Some(node),
            Some(parent) => {
                parent.size += size;
                parent.height = parent.height.max(height + 1);
                match &mut parent.node.value {
                    Value::Seq(items) => items.push(node),
                    Value::Map(entries) => match parent.pending_key.take() {
                        None => parent.pending_key = Some(node),
                        Some(key) => match key.str().filter(|k| *k != "<<") {
                            Some(k) if parent.keys.contains_key(k) => diags.push(Error::new(
                                key.pos(),
                                format!("duplicate key `{k}` (first at line {})", parent.keys[k]),
                            )),
                            k => {
                                if let Some(k) = k {
                                    parent.keys.insert(k.to_string(), key.line);
                                }
                                entries.push((key, node));
                            }
                        },
                    },
                    Value::Scalar { .. } => {}
                }
            }
        }
    }
    (docs, diags)
}

fn too_deep(at: (u32, u32)) -> Error {
    Error::new(at, format!("YAML nests deeper than {MAX_DEPTH} levels; the rest of the file is not checked"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_documents() {
        let (docs, diags) = parse("a: 1\nb:\n  - x\n  - {c: true}\n---\nd: \"true\"\n");
        assert!(diags.is_empty());
        assert_eq!(docs.len(), 2);
        let r = docs[0].root.as_ref().unwrap();
        assert_eq!(r.get("b").unwrap().seq()[1].get("c").unwrap().as_bool(), Some(true));
        assert_eq!(r.get("b").unwrap().seq()[0].pos(), (3, 5));
        assert_eq!(docs[1].root.as_ref().unwrap().get("d").unwrap().as_bool(), None);
    }

    #[test]
    fn errors_have_positions() {
        let (_, diags) = parse("a: 1\na: 2\n");
        assert_eq!(diags[0].line, 2);
        let (_, diags) = parse("a:\n\t- b\n");
        assert_eq!(diags[0].line, 2);
        let (_, diags) = parse("a: [\n");
        assert_eq!(diags.len(), 1);
    }
}
