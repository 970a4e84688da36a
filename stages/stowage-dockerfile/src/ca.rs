//! The corporate-CA hook: behind a TLS-intercepting proxy, package managers reject the proxy's certificate. Every
//! dependency step mounts an optional build secret `ca` and, only when it is there, points its package manager at
//! it for that one RUN. Nothing is written into a layer, and the build works the same without the secret:
//!
//! ```text
//! docker build --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt -f Dockerfile .
//! ```
//!
//! The table below is the documented list (docs/dockerfile.md is generated from it).

/// Package manager, the variable or step that trusts an extra CA bundle, and the shell fragment the template inserts
/// (it ends with `; ` so that the install command follows it in the same RUN).
pub const HOOKS: &[(&str, &str, &str)] = &[
    (
        "npm, pnpm, yarn",
        "NODE_EXTRA_CA_CERTS",
        "if [ -f /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi; ",
    ),
    ("pip", "PIP_CERT", "if [ -f /run/secrets/ca ]; then export PIP_CERT=/run/secrets/ca; fi; "),
    ("uv, poetry", "SSL_CERT_FILE", "if [ -f /run/secrets/ca ]; then export SSL_CERT_FILE=/run/secrets/ca; fi; "),
    ("go", "SSL_CERT_FILE", "if [ -f /run/secrets/ca ]; then export SSL_CERT_FILE=/run/secrets/ca; fi; "),
    ("cargo", "CARGO_HTTP_CAINFO", "if [ -f /run/secrets/ca ]; then export CARGO_HTTP_CAINFO=/run/secrets/ca; fi; "),
    ("dotnet", "SSL_CERT_FILE", "if [ -f /run/secrets/ca ]; then export SSL_CERT_FILE=/run/secrets/ca; fi; "),
    ("composer", "COMPOSER_CAFILE", "if [ -f /run/secrets/ca ]; then export COMPOSER_CAFILE=/run/secrets/ca; fi; "),
    ("bundler", "SSL_CERT_FILE", "if [ -f /run/secrets/ca ]; then export SSL_CERT_FILE=/run/secrets/ca; fi; "),
    (
        "maven, gradle",
        "a truststore in a tmpfs (JAVA_TOOL_OPTIONS)",
        "if [ -f /run/secrets/ca ]; then cp \"$JAVA_HOME/lib/security/cacerts\" /run/truststore/cacerts \
         && keytool -importcert -noprompt -alias corporate-ca -file /run/secrets/ca -keystore /run/truststore/cacerts \
         -storepass changeit >/dev/null && export JAVA_TOOL_OPTIONS=\"-Djavax.net.ssl.trustStore=/run/truststore/cacerts\"; fi; ",
    ),
];

/// The hook of one package manager, by the key templates use (`npm`, `pip`, `uv`, `go`, `cargo`, `dotnet`,
/// `composer`, `bundler`, `maven`).
pub fn hook(manager: &str) -> &'static str {
    let row = match manager {
        "npm" | "pnpm" | "yarn" => 0,
        "pip" => 1,
        "uv" | "poetry" => 2,
        "go" => 3,
        "cargo" => 4,
        "dotnet" => 5,
        "composer" => 6,
        "bundler" => 7,
        "maven" | "gradle" => 8,
        _ => 2,
    };
    HOOKS[row].2
}

/// Every hook by template key, as the templates receive them (`ca.npm`, `ca.pip`, ...).
pub fn all() -> std::collections::BTreeMap<&'static str, &'static str> {
    ["npm", "pip", "uv", "go", "cargo", "dotnet", "composer", "bundler", "maven"]
        .into_iter()
        .map(|k| (k, hook(k)))
        .collect()
}
