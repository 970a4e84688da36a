//! The compose smoke test: the staged production compose file run with its backing services, for the services that
//! cannot start alone. The file is rewritten into a private folder (as JSON, which every compose reader takes as
//! YAML): the app's services use the images the gate just built (no `build`), backing services' images get the
//! base-image prefix, every secret file and env file it names is a fresh file there (random values, never the app's),
//! host ports are left to the kernel, and every service, network and volume carries the run's labels. Then, as
//! podman-compose needs (it ignores `condition: service_healthy`): the backing services start first, each is polled
//! with `healthcheck run` until healthy, the app's services start, and each is probed from the host.

use serde_json::{Map, Value};
use stowage_yaml::{Node, Value as Yaml};

/// A compose file's tree as JSON: plain scalars typed as YAML 1.2's core schema types them, quoted ones as strings.
pub fn to_json(node: &Node) -> Value {
    match &node.value {
        Yaml::Scalar { text, plain: false } => Value::String(text.clone()),
        Yaml::Scalar { text, plain: true } => match text.as_str() {
            "" | "~" | "null" | "Null" | "NULL" => Value::Null,
            "true" | "True" | "TRUE" => Value::Bool(true),
            "false" | "False" | "FALSE" => Value::Bool(false),
            t => t
                .parse::<i64>()
                .map(Value::from)
                .or_else(|_| t.parse::<f64>().map(Value::from))
                .unwrap_or_else(|_| Value::String(t.to_string())),
        },
        Yaml::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Map(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                let key = match &k.value {
                    Yaml::Scalar { text, .. } => text.clone(),
                    _ => continue,
                };
                map.insert(key, to_json(v));
            }
            Value::Object(map)
        }
    }
}

/// A backing service's connection variables, from the policy orchestrate writes the compose files with.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct BackingPolicy {
    #[serde(skip)]
    pub name: String,
    #[serde(default)]
    pub url_vars: Vec<String>,
    /// The URL without a password (`postgres://postgres@postgres:5432/postgres`).
    pub dev_url: String,
    /// Whether the URL carries the password from the service's secret file.
    #[serde(default)]
    pub credentials: bool,
}

/// What the rewrite needs to know.
pub struct Rewrite<'a> {
    /// Compose service name to the image the gate built for it.
    pub built: &'a [(String, String)],
    /// Prefix for every other service's image (empty: unchanged).
    pub base_registry: &'a str,
    /// Labels every service, network and volume gets.
    pub labels: &'a [(String, String)],
    /// Compose service name to the secret variables its env file must hold (the model's names): a connection URL
    /// of a backing service in the file points at it with its fresh password; any other gets a fresh random value.
    pub secrets: &'a [(String, Vec<String>)],
    /// How apps reach each backing service (policies/backing-services.toml).
    pub backing: &'a [BackingPolicy],
    /// Where secret and env files are written.
    pub scratch: &'a std::path::Path,
}

/// The rewritten file, and the backing services (those the gate did not build) in file order.
pub fn rewrite(mut file: Value, how: &Rewrite) -> Result<(Value, Vec<String>), String> {
    let labels: Map<String, Value> = how.labels.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    let mut backing = Vec::new();
    let mut files = 0;
    let mut fresh_file = |kind: &str, content: String| -> Result<String, String> {
        files += 1;
        let path = how.scratch.join(format!("{kind}-{files}"));
        std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path.display().to_string())
    };
    // Secrets first: a backing service's password is also the one in the app's connection URL.
    let mut tokens: Vec<(String, String)> = Vec::new();
    if let Some(secrets) = file.get_mut("secrets").and_then(Value::as_object_mut) {
        for (name, secret) in secrets.iter_mut() {
            if let Some(path) = secret.get_mut("file") {
                let token = random_token();
                *path = Value::String(fresh_file("secret", token.clone())?);
                tokens.push((name.clone(), token));
            }
        }
    }
    let mut urls: Vec<(String, String)> = Vec::new();
    if let Some(services) = file.get("services").and_then(Value::as_object) {
        for policy in how.backing {
            let Some(service) = services.get(&policy.name) else { continue };
            let secret = service["secrets"]
                .as_array()
                .and_then(|l| l.first())
                .and_then(|s| s.as_str().map(str::to_string).or_else(|| s["source"].as_str().map(str::to_string)));
            let password = secret.and_then(|s| tokens.iter().find(|(n, _)| *n == s).map(|(_, t)| t.clone()));
            let url = match (&password, policy.credentials) {
                (Some(pw), true) => policy.dev_url.replacen('@', &format!(":{pw}@"), 1),
                _ => policy.dev_url.clone(),
            };
            urls.extend(policy.url_vars.iter().map(|v| (v.clone(), url.clone())));
        }
    }
    // A secret the app reads as a file named like a backing service's URL variable holds that URL.
    let mut url_files: Vec<(String, String)> = Vec::new();
    for service in file.get("services").and_then(Value::as_object).into_iter().flat_map(|s| s.values()) {
        for entry in service["secrets"].as_array().into_iter().flatten() {
            let (Some(source), Some(target)) = (entry["source"].as_str(), entry["target"].as_str()) else { continue };
            if let Some((_, url)) = urls.iter().find(|(v, _)| v == target) {
                url_files.push((source.to_string(), url.clone()));
            }
        }
    }
    for (source, url) in url_files {
        if let Some(secret) = file.get_mut("secrets").and_then(|s| s.get_mut(&source)) {
            secret["file"] = Value::String(fresh_file("secret", url)?);
        }
    }
    let services = file.get_mut("services").and_then(Value::as_object_mut).ok_or("the compose file has no services")?;
    for (name, service) in services.iter_mut() {
        let service = service.as_object_mut().ok_or(format!("service `{name}` is not a mapping"))?;
        match how.built.iter().find(|(s, _)| s == name) {
            Some((_, image)) => {
                service.insert("image".into(), Value::String(image.clone()));
                service.remove("build");
            }
            None => {
                backing.push(name.clone());
                if let Some(Value::String(image)) = service.get_mut("image") {
                    *image = format!("{}{image}", how.base_registry);
                }
            }
        }
        service.insert("labels".into(), Value::Object(labels.clone()));
        // The app's env files hold production secrets and are never committed: empty ones stand for them.
        // A variable the file sets in `environment` already is not the env file's.
        let set: Vec<String> = service
            .get("environment")
            .and_then(Value::as_object)
            .map(|e| e.keys().cloned().collect())
            .unwrap_or_default();
        if let Some(env_files) = service.get_mut("env_file") {
            let list: Vec<Value> = match &*env_files {
                Value::Array(items) => items.clone(),
                other => vec![other.clone()],
            };
            let names = how.secrets.iter().find(|(s, _)| s == name).map(|(_, n)| n.as_slice()).unwrap_or_default();
            let content: String = names
                .iter()
                .filter(|n| !set.contains(n))
                .map(|n| match urls.iter().find(|(v, _)| v == n) {
                    Some((_, url)) => format!("{n}={url}\n"),
                    None => format!("{n}={}\n", random_token()),
                })
                .collect();
            let mut fresh = Vec::new();
            for (i, _) in list.iter().enumerate() {
                // The first file holds every value; the others stay empty (they would only repeat them).
                fresh.push(Value::String(fresh_file("env", if i == 0 { content.clone() } else { String::new() })?));
            }
            *env_files = Value::Array(fresh);
        }
        if let Some(Value::Array(ports)) = service.get_mut("ports") {
            for port in ports.iter_mut() {
                if let Value::String(spec) = port {
                    // `127.0.0.1:8000:8000` becomes `127.0.0.1::8000`: the kernel picks a free host port.
                    let parts: Vec<&str> = spec.split(':').collect();
                    if let Some(container) = parts.last() {
                        *spec = format!("127.0.0.1::{container}");
                    }
                }
            }
        }
    }
    for section in ["networks", "volumes"] {
        if let Some(items) = file.get_mut(section).and_then(Value::as_object_mut) {
            for (_, item) in items.iter_mut() {
                if item.is_null() {
                    *item = Value::Object(Map::new());
                }
                if let Some(item) = item.as_object_mut() {
                    item.insert("labels".into(), Value::Object(labels.clone()));
                }
            }
        }
    }
    Ok((file, backing))
}

/// A password for a backing service's secret file: random enough for a container that lives a minute, from the
/// kernel's generator, without a dependency.
fn random_token() -> String {
    let mut bytes = [0u8; 16];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = std::io::Read::read_exact(&mut f, &mut bytes);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_compose_file_is_rewritten_for_the_smoke_test() {
        let text = "services:\n  web:\n    image: \"web:${IMAGE_TAG:?set it}\"\n    build:\n      context: .\n    \
                    ports:\n      - \"127.0.0.1:8000:8000\"\n    env_file:\n      - ./deploy/secrets/web.env\n    \
                    read_only: true\n  db:\n    image: postgres:17\n    secrets:\n      - pw\n    healthcheck:\n      retries: 5\n\
                    secrets:\n  pw:\n    file: ./deploy/secrets/pw\nnetworks:\n  backend:\n    internal: true\n  \
                    frontend: {}\nvolumes:\n  data:\n";
        let (docs, errors) = stowage_yaml::parse(text);
        assert!(errors.is_empty());
        let json = to_json(docs[0].root.as_ref().unwrap());
        let scratch = std::env::temp_dir().join(format!("stowage-compose-rewrite-{}", std::process::id()));
        std::fs::create_dir_all(&scratch).unwrap();
        let built = [("web".to_string(), "stowage-verify/demo/web".to_string())];
        let labels = [("io.stowage.verify.run".to_string(), "r1".to_string())];
        let secrets = [("web".to_string(), vec!["SECRET_KEY".to_string(), "DATABASE_URL".to_string()])];
        let backing = [BackingPolicy {
            name: "db".into(),
            url_vars: vec!["DATABASE_URL".into()],
            dev_url: "postgres://postgres@db:5432/postgres".into(),
            credentials: true,
        }];
        let how = Rewrite {
            built: &built,
            base_registry: "localhost/standin/",
            labels: &labels,
            secrets: &secrets,
            backing: &backing,
            scratch: &scratch,
        };
        let (out, backing) = rewrite(json, &how).unwrap();
        assert_eq!(backing, vec!["db".to_string()]);
        let web = &out["services"]["web"];
        assert_eq!(web["image"], "stowage-verify/demo/web");
        assert!(web.get("build").is_none());
        assert_eq!(web["ports"][0], "127.0.0.1::8000");
        assert_eq!(web["read_only"], true);
        assert_eq!(web["labels"]["io.stowage.verify.run"], "r1");
        let env = web["env_file"][0].as_str().unwrap();
        assert!(env.starts_with(&scratch.display().to_string()));
        let env = std::fs::read_to_string(env).unwrap();
        let secret = out["secrets"]["pw"]["file"].as_str().unwrap();
        let password = std::fs::read_to_string(secret).unwrap();
        assert_eq!(password.len(), 32);
        let lines: Vec<&str> = env.lines().collect();
        assert!(lines[0].starts_with("SECRET_KEY=") && lines[0].len() == "SECRET_KEY=".len() + 32, "{env}");
        assert_eq!(lines[1], format!("DATABASE_URL=postgres://postgres:{password}@db:5432/postgres"));
        assert_eq!(out["services"]["db"]["image"], "localhost/standin/postgres:17");
        assert_eq!(out["services"]["db"]["healthcheck"]["retries"], 5);
        assert_eq!(out["networks"]["backend"]["internal"], true);
        assert_eq!(out["volumes"]["data"]["labels"]["io.stowage.verify.run"], "r1");
        std::fs::remove_dir_all(&scratch).unwrap();
    }

    /// An app that reads its database URL as a file (a compose secret whose target is the URL variable) gets the URL
    /// with the database's fresh password in that file, and a secret of its own a fresh token.
    #[test]
    fn a_secret_file_named_like_a_url_variable_holds_the_url() {
        let text = "services:\n  web:\n    image: web:1\n    secrets:\n      - source: web-database-url\n        \
                    target: DATABASE_URL\n      - source: web-secret-key\n        target: SECRET_KEY\n  db:\n    \
                    image: postgres:17\n    secrets:\n      - pw\nsecrets:\n  pw:\n    file: ./deploy/secrets/pw\n  \
                    web-database-url:\n    file: ./deploy/secrets/web-database-url\n  web-secret-key:\n    \
                    file: ./deploy/secrets/web-secret-key\n";
        let (docs, errors) = stowage_yaml::parse(text);
        assert!(errors.is_empty(), "{errors:?}");
        let scratch = std::env::temp_dir().join(format!("stowage-compose-secret-files-{}", std::process::id()));
        std::fs::create_dir_all(&scratch).unwrap();
        let backing = [BackingPolicy {
            name: "db".into(),
            url_vars: vec!["DATABASE_URL".into()],
            dev_url: "postgres://postgres@db:5432/postgres".into(),
            credentials: true,
        }];
        let how = Rewrite {
            built: &[("web".to_string(), "stowage-verify/demo/web".to_string())],
            base_registry: "",
            labels: &[],
            secrets: &[],
            backing: &backing,
            scratch: &scratch,
        };
        let (out, _) = rewrite(to_json(docs[0].root.as_ref().unwrap()), &how).unwrap();
        let read = |name: &str| std::fs::read_to_string(out["secrets"][name]["file"].as_str().unwrap()).unwrap();
        let password = read("pw");
        assert_eq!(read("web-database-url"), format!("postgres://postgres:{password}@db:5432/postgres"));
        assert_eq!(read("web-secret-key").len(), 32);
        std::fs::remove_dir_all(&scratch).unwrap();
    }
}
