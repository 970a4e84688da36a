//! The YAML tree of `stowage-yaml`, with its errors as GN001 diagnostics: the rules read that tree.

pub use stowage_yaml::{Document, MAX_ALIAS_NODES, MAX_DEPTH, Node, Value};

use crate::Diag;

/// Parses every document; what the reader refuses (a syntax error, a duplicate key, nesting or aliases past the
/// limits) is a GN001 diagnostic at its position.
pub fn parse(text: &str) -> (Vec<Document>, Vec<Diag>) {
    let (docs, errors) = stowage_yaml::parse(text);
    let diags = errors.into_iter().map(|e| Diag::new("GN001", (e.line, e.column), e.message)).collect();
    (docs, diags)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reader_errors_are_gn001() {
        let (_, diags) = super::parse("a: 1\na: 2\n");
        assert_eq!((diags[0].rule, diags[0].line), ("GN001", 2));
    }
}
