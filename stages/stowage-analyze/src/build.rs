//! Build facts shared across ecosystems: native dependencies recognised by name (Node, Python, Ruby), the Rust
//! `-sys` crates a package reaches in Cargo.lock, and the common pass that completes a detector's [`BuildFacts`].
//!
//! The name tables list packages that compile C (or C++/Rust) when installed, or link a system library, so that the
//! Dockerfile recipe puts a toolchain in the dependency stage and the matching libraries in the runtime image. A
//! package with prebuilt binaries for common platforms is still listed when the prebuilt one is not guaranteed
//! (another libc, another architecture, a source install): the model makes no wheel or prebuild assumption.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::detect::Draft;
use crate::model::{BuildFacts, Confidence, Evidence, Fact};

/// npm packages that build a native addon (node-gyp, prebuild-install, napi): (package, why).
const NODE_NATIVE: &[(&str, &str)] = &[
    ("argon2", "builds a native addon (node-gyp)"),
    ("bcrypt", "builds a native addon (node-gyp)"),
    ("better-sqlite3", "builds SQLite as a native addon (node-gyp)"),
    ("bufferutil", "builds a native addon (node-gyp)"),
    ("canvas", "builds against Cairo and Pango (node-gyp)"),
    ("cpu-features", "builds a native addon (node-gyp)"),
    ("grpc", "builds a native addon (node-gyp)"),
    ("isolated-vm", "builds a native addon (node-gyp)"),
    ("kerberos", "builds against libkrb5 (node-gyp)"),
    ("leveldown", "builds LevelDB as a native addon (node-gyp)"),
    ("libxmljs", "builds libxml2 as a native addon (node-gyp)"),
    ("libxmljs2", "builds libxml2 as a native addon (node-gyp)"),
    ("node-gyp", "compiles native addons"),
    ("node-sass", "builds libsass as a native addon (node-gyp)"),
    ("re2", "builds RE2 as a native addon (node-gyp)"),
    ("sharp", "links libvips (prebuilt for glibc and musl on x64 and arm64 only)"),
    ("sqlite3", "builds SQLite as a native addon (node-gyp)"),
    ("utf-8-validate", "builds a native addon (node-gyp)"),
    ("zeromq", "builds libzmq as a native addon"),
];

/// PyPI distributions (normalised names) with C extensions or system libraries: (distribution, why).
/// `psycopg2-binary` and `psycopg` (pure Python over libpq) are deliberately absent.
const PYTHON_NATIVE: &[(&str, &str)] = &[
    ("cffi", "C extension (needs libffi)"),
    ("cryptography", "Rust and C extension (needs OpenSSL)"),
    ("gevent", "C extension"),
    ("grpcio", "C++ extension"),
    ("lxml", "C extension over libxml2 and libxslt"),
    ("mysqlclient", "C extension over libmysqlclient (needs pkg-config and the client headers)"),
    ("numpy", "C extension"),
    ("pandas", "C extension"),
    ("pillow", "C extension over libjpeg and zlib"),
    ("psutil", "C extension"),
    ("psycopg2", "C extension over libpq (needs pg_config and libpq)"),
    ("pycurl", "C extension over libcurl"),
    ("python-ldap", "C extension over OpenLDAP"),
    ("pyzmq", "C extension over libzmq"),
    ("scipy", "C and Fortran extensions"),
    ("uwsgi", "C server compiled at install"),
];

/// RubyGems with native extensions: (gem, why).
const RUBY_NATIVE: &[(&str, &str)] = &[
    ("bcrypt", "native extension"),
    ("ffi", "native extension over libffi"),
    ("grpc", "native extension"),
    ("msgpack", "native extension"),
    ("mysql2", "native extension over libmysqlclient"),
    ("nio4r", "native extension"),
    ("nokogiri", "native extension over libxml2 (precompiled for common platforms)"),
    ("pg", "native extension over libpq"),
    ("puma", "native extension (HTTP parser)"),
    ("sqlite3", "native extension over SQLite"),
];

/// Go modules that need cgo: (module path prefix, why).
pub const GO_CGO_MODULES: &[(&str, &str)] = &[
    ("github.com/mattn/go-sqlite3", "SQLite through cgo"),
    ("github.com/confluentinc/confluent-kafka-go", "librdkafka through cgo"),
    ("gopkg.in/gographics/imagick", "ImageMagick through cgo"),
    ("github.com/tecbot/gorocksdb", "RocksDB through cgo"),
    ("github.com/linxGnu/grocksdb", "RocksDB through cgo"),
];

/// `-sys` crates that compile nothing and link no system library on Linux (pure bindings, or crates for other
/// platforms that Cargo.lock lists for every target).
const RUST_SYS_NOT_NATIVE: &[&str] = &[
    "core-foundation-sys",
    "coreaudio-sys",
    "fsevent-sys",
    "inotify-sys",
    "io-kit-sys",
    "js-sys",
    "linux-raw-sys",
    "objc-sys",
    "security-framework-sys",
    "system-configuration-sys",
    "web-sys",
    "windows-sys",
];

/// The detector's build facts, with the native dependencies its manifest names, sorted and unique by name.
pub fn build_facts(draft: &Draft) -> BuildFacts {
    let mut build = draft.build.clone();
    let table: &[(&str, &str)] = match draft.language.value.as_str() {
        "javascript" | "typescript" => NODE_NATIVE,
        "python" => PYTHON_NATIVE,
        "ruby" => RUBY_NATIVE,
        _ => &[],
    };
    for (dep, ev) in &draft.deps {
        if let Some((name, why)) = table.iter().find(|(n, _)| n == dep) {
            let evidence = Evidence { detail: format!("`{name}`: {why}"), ..ev.clone() };
            build.native_dependencies.push(Fact::new(name.to_string(), Confidence::High, evidence));
        }
    }
    let mut by_name: BTreeMap<String, Fact<String>> = BTreeMap::new();
    for fact in build.native_dependencies.drain(..) {
        by_name.entry(fact.value.clone()).or_insert(fact);
    }
    build.native_dependencies = by_name.into_values().collect();
    build.php_extensions.sort_by(|a, b| a.value.cmp(&b.value));
    build.php_extensions.dedup_by(|a, b| a.value == b.value);
    build
}

/// The `-sys` crates (other than [`RUST_SYS_NOT_NATIVE`]) that `package` reaches through Cargo.lock's dependency
/// lists, with the lockfile line of each. Cargo.lock lists the dependencies of every target platform, which is why
/// the other platforms' binding crates are left out.
pub fn cargo_sys_crates(lock_path: &str, lock_text: &str, package: &str) -> Vec<Fact<String>> {
    let Ok(doc) = lock_text.parse::<toml::Table>() else { return Vec::new() };
    let packages: Vec<&toml::Value> = doc.get("package").and_then(|p| p.as_array()).into_iter().flatten().collect();
    let field = |p: &toml::Value, key: &str| p.get(key).and_then(|v| v.as_str()).unwrap_or("").to_string();
    // A dependency entry is `name`, `name version` or `name version (source)`.
    let resolve = |entry: &str| -> Option<usize> {
        let mut parts = entry.split_whitespace();
        let name = parts.next()?;
        let version = parts.next();
        packages.iter().position(|p| field(p, "name") == name && version.is_none_or(|v| field(p, "version") == v))
    };
    let Some(start) = packages.iter().position(|p| field(p, "name") == package && p.get("source").is_none()) else {
        return Vec::new();
    };
    let mut seen = BTreeSet::from([start]);
    let mut queue = VecDeque::from([start]);
    let mut found = BTreeSet::new();
    while let Some(index) = queue.pop_front() {
        let deps = packages[index].get("dependencies").and_then(|d| d.as_array());
        for entry in deps.into_iter().flatten().filter_map(|d| d.as_str()) {
            let Some(next) = resolve(entry) else { continue };
            if seen.insert(next) {
                queue.push_back(next);
                let name = field(packages[next], "name");
                if name.ends_with("-sys") && !RUST_SYS_NOT_NATIVE.contains(&name.as_str()) {
                    found.insert(name);
                }
            }
        }
    }
    found
        .into_iter()
        .map(|name| {
            let line = crate::detect::line_of(lock_text, &format!("name = \"{name}\""));
            let detail = format!("`{name}` compiles or links native code (reached from `{package}` in Cargo.lock)");
            Fact::new(name, Confidence::High, Evidence::new(lock_path, line, detail))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sys_crates_are_those_the_package_reaches() {
        let lock = r#"version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["reqwest", "windows-sys 0.59.0"]

[[package]]
name = "other"
version = "0.1.0"
dependencies = ["libsqlite3-sys"]

[[package]]
name = "reqwest"
version = "0.12.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["openssl-sys"]

[[package]]
name = "openssl-sys"
version = "0.9.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "libsqlite3-sys"
version = "0.30.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "windows-sys"
version = "0.59.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;
        let found = cargo_sys_crates("Cargo.lock", lock, "app");
        let names: Vec<&str> = found.iter().map(|f| f.value.as_str()).collect();
        assert_eq!(names, ["openssl-sys"]);
        assert_eq!(found[0].evidence[0].line, Some(20));
        assert!(cargo_sys_crates("Cargo.lock", lock, "missing").is_empty());
        assert!(cargo_sys_crates("Cargo.lock", "not toml [", "app").is_empty());
    }
}
