//! The view analyze takes of compose files and Kubernetes manifests: maps, sequences and scalars with their line,
//! read by `stowage-yaml` (the one YAML reader, shared with validate) so that anchors, aliases, flow collections
//! and block scalars mean what YAML says. Merge keys (`<<: *defaults`, as compose files use for shared settings) are
//! resolved here: a key written in the map wins over a merged one, and an earlier merged map over a later one.

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

/// Every document of `text` that parsed. A file the reader refuses part way keeps the documents before the error:
/// analyze reads what it can, and validate reports the error.
pub fn parse(text: &str) -> Vec<Yaml> {
    let (docs, _) = stowage_yaml::parse(text);
    docs.into_iter().filter_map(|d| d.root).map(|root| view(&root)).collect()
}

fn view(node: &stowage_yaml::Node) -> Yaml {
    match &node.value {
        stowage_yaml::Value::Scalar { .. } if node.is_null() => Yaml::Null,
        stowage_yaml::Value::Scalar { text, .. } => Yaml::Scalar(text.clone(), node.line),
        stowage_yaml::Value::Seq(items) => Yaml::Seq(items.iter().map(view).collect()),
        stowage_yaml::Value::Map(entries) => {
            let mut out: Vec<(String, Yaml)> = Vec::new();
            let mut merged: Vec<(String, Yaml)> = Vec::new();
            for (key, value) in entries {
                let Some(name) = key.str() else { continue };
                if name == "<<" {
                    let sources: Vec<&stowage_yaml::Node> =
                        if value.is_map() { vec![value] } else { value.seq().iter().collect() };
                    for source in sources {
                        if let Yaml::Map(from) = view(source) {
                            for (k, v) in from {
                                if !merged.iter().any(|(m, _)| *m == k) {
                                    merged.push((k, v));
                                }
                            }
                        }
                    }
                } else {
                    out.push((name.to_string(), view(value)));
                }
            }
            for (k, v) in merged {
                if !out.iter().any(|(o, _)| *o == k) {
                    out.push((k, v));
                }
            }
            Yaml::Map(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_nesting_is_skipped() {
        // The reader stops past its depth limit; what matters is that nothing overflows.
        let deep = format!("{}x\n", "- ".repeat(200_000));
        assert!(parse(&deep).len() <= 1);
        let mut stairs = String::new();
        for depth in 0..2000 {
            stairs.push_str(&format!("{}k{depth}:\n", " ".repeat(depth)));
        }
        stairs.push_str("ports: [1]\n");
        assert!(parse(&stairs).len() <= 1);
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let docs = parse(
            "x-app: &app\n  image: shop/api:1\n  ports: [\"8080:80\"]\n  environment: &env\n    A: \"1\"\nservices:\n  api:\n    <<: *app\n    ports:\n      - \"9090:90\"\n  worker:\n    <<: [*app]\n    command: work\n    environment: *env\n",
        );
        let services = docs[0].get("services").expect("services");
        let api = services.get("api").expect("api");
        assert_eq!(api.get("image").and_then(Yaml::str), Some("shop/api:1"), "merged from the anchor");
        let ports: Vec<&str> = api.get("ports").map(Yaml::items).unwrap_or(&[]).iter().filter_map(Yaml::str).collect();
        assert_eq!(ports, ["9090:90"], "a key written in the map wins over the merged one");
        let worker = services.get("worker").expect("worker");
        assert_eq!(worker.get("image").and_then(Yaml::str), Some("shop/api:1"));
        assert_eq!(worker.get("environment").and_then(|e| e.get("A")).and_then(Yaml::str), Some("1"));
        assert_eq!(worker.get("command").and_then(Yaml::str), Some("work"));
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
