//! The data this stage decides with, compiled in from policies/ (so an installed stage needs no repository):
//! which variables are secrets (policies/secrets.toml) and how each backing service runs (policies/backing-services.toml).

use std::collections::BTreeMap;

use serde::Deserialize;

const SECRETS: &str = include_str!("../../../policies/secrets.toml");
const BACKING: &str = include_str!("../../../policies/backing-services.toml");
const SECRET_FILES: &str = include_str!("../../../policies/secret-files.toml");

/// A framework that reads secrets from files with no code of the app's (policies/secret-files.toml).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SecretFramework {
    pub name: String,
    #[allow(dead_code)]
    pub since: String,
    #[allow(dead_code)]
    pub source: String,
    /// The files where a secret must be read (every place) for the framework to resolve it from a file.
    pub config_files: Vec<String>,
    /// What the app's environment sets so the framework reads /run/secrets.
    pub environment: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretFilesTable {
    #[allow(dead_code)]
    as_of: String,
    framework: Vec<SecretFramework>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretsTable {
    #[allow(dead_code)]
    as_of: String,
    words: Vec<String>,
    not_secret_words: Vec<String>,
}

/// One backing service the compose files run.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Backing {
    pub source: String,
    pub image: String,
    pub port: u16,
    pub data: String,
    /// The image's own unprivileged `uid:gid`, which owns `data` in the image (a new named volume inherits it).
    pub user: String,
    /// Folders the server writes besides `data` (sockets, temporary files): tmpfs under a read-only root.
    pub tmpfs: Vec<String>,
    pub healthcheck: Vec<String>,
    pub dev_environment: BTreeMap<String, String>,
    #[serde(default)]
    pub password_file_env: Option<String>,
    pub url_vars: Vec<String>,
    pub host_vars: Vec<String>,
    pub dev_url: String,
    /// Its URLs carry a user and password in production: a URL variable is then a secret.
    pub credentials: bool,
    /// Kubernetes (the dev overlay's StatefulSet): where its PersistentVolumeClaim is mounted, when not at `data`.
    /// A new volume's root holds `lost+found`, where initdb and mysqld refuse to initialise, so their data folder
    /// is one below the volume's root.
    #[serde(default)]
    pub volume_mount: Option<String>,
    /// Kubernetes: arguments the server needs there (the data folder below the volume's root).
    #[serde(default)]
    pub args: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Policies {
    secrets: SecretsTable,
    pub backing: BTreeMap<String, Backing>,
    pub secret_frameworks: Vec<SecretFramework>,
}

impl Policies {
    /// The tables compiled into this build; a test keeps them parseable.
    pub fn embedded() -> Policies {
        let secrets: SecretsTable = toml::from_str(SECRETS).expect("policies/secrets.toml parses (tested)");
        let mut backing: BTreeMap<String, toml::Value> =
            toml::from_str(BACKING).expect("policies/backing-services.toml parses (tested)");
        backing.remove("as_of");
        let backing = backing
            .into_iter()
            .map(|(name, value)| (name, value.try_into().expect("a backing service entry parses (tested)")))
            .collect();
        let files: SecretFilesTable = toml::from_str(SECRET_FILES).expect("policies/secret-files.toml parses (tested)");
        Policies { secrets, backing, secret_frameworks: files.framework }
    }

    /// Whether a variable's name says it holds a secret (policies/secrets.toml).
    pub fn is_secret_name(&self, name: &str) -> bool {
        let upper = name.to_ascii_uppercase();
        upper.split('_').any(|part| {
            !self.secrets.not_secret_words.iter().any(|w| w == part)
                && self.secrets.words.iter().any(|w| part == w || part.ends_with(w.as_str()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_parse_and_classify_names() {
        let p = Policies::embedded();
        assert!(p.backing.contains_key("postgres") && p.backing.contains_key("redis"));
        assert!(p.secret_frameworks.iter().any(|f| f.name == "Spring Boot" && !f.environment.is_empty()));
        for secret in
            ["DB_PASSWORD", "APP_KEY", "DJANGO_SECRET_KEY", "APIKEY", "SENTRY_DSN", "GITHUB_TOKEN", "AWS_CREDENTIALS"]
        {
            assert!(p.is_secret_name(secret), "{secret}");
        }
        for plain in ["PORT", "DATABASE_URL", "REDIS_HOST", "BYPASS_CACHE", "KEYSPACE", "DJANGO_DEBUG", "SHOP_DB"] {
            assert!(!p.is_secret_name(plain), "{plain}");
        }
        for (name, b) in &p.backing {
            assert!(b.image.contains(':') && !b.image.ends_with(":latest"), "{name}: pin a tag");
            assert!(b.source.starts_with("https://"), "{name}: name the source");
        }
    }
}
