//! Compose file rules: the CIS Docker Benchmark section 5 runtime settings per service, plus image, port, secret
//! and spec hygiene checks.

use std::collections::BTreeMap;

use crate::Diag;
use crate::dockerfile::split_image;
use crate::policy::Policy;
use crate::yaml::{self, Node};

/// 1-based line and column.
type Pos = (u32, u32);

const SENSITIVE: &[&str] =
    &["/", "/etc", "/proc", "/sys", "/boot", "/dev", "/root", "/usr", "/lib", "/var/run", "/run", "/var/lib/docker"];
const DANGEROUS_CAPS: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "NET_RAW",
    "DAC_READ_SEARCH",
    "SYS_RAWIO",
    "BPF",
    "PERFMON",
];

pub fn check(text: &str, policy: &Policy, out: &mut Vec<Diag>) {
    let (docs, diags) = yaml::parse(text);
    out.extend(diags);
    // Compose reads a file of several YAML documents as one, each later document overriding the earlier ones.
    let Some(root) = docs.into_iter().filter_map(|d| d.root).reduce(merge_documents) else { return };
    if !root.is_map() {
        out.push(Diag::new("GN001", root.pos(), "a compose file must be a mapping with a `services` key"));
        return;
    }
    if let Some(v) = root.key("version") {
        out.push(Diag::new("CP027", v.pos(), "top-level `version` is obsolete and ignored by Compose"));
    }
    if root.get("name").is_none() {
        out.push(Diag::new("CP032", root.pos(), "no top-level `name`: the project name then depends on the folder"));
    }
    for (k, _) in root.entries() {
        if let Some(key) = k.str()
            && !spec_keys("top").any(|t| t == key)
            && !key.starts_with("x-")
        {
            out.push(Diag::new(
                "CP037",
                k.pos(),
                format!("unknown top-level key `{key}` (not in the Compose specification)"),
            ));
        }
    }
    check_style(&root, out);
    let Some(services) = root.get("services") else { return };
    for (key, svc) in services.entries() {
        // Keys merged in by `<<: *anchor` (a mapping or a list of them) count too, unless set in the service itself.
        let merged = svc.entries().iter().filter(|(k, _)| k.str() == Some("<<")).flat_map(|(_, v)| {
            if v.is_map() { std::slice::from_ref(v) } else { v.seq() }.iter().flat_map(Node::entries)
        });
        let merged = merged.filter(|(k, _)| k.str().is_none_or(|f| svc.key(f).is_none()));
        for (k, _) in svc.entries().iter().chain(merged) {
            if let Some(field) = k.str()
                && !field.starts_with("x-")
                && field != "<<"
                && !spec_keys("service").any(|s| s == field)
            {
                out.push(Diag::new(
                    "CP039",
                    k.pos(),
                    format!(
                        "service `{}` has unknown key `{field}` (not in the Compose specification)",
                        key.str().unwrap_or("?")
                    ),
                ));
            }
        }
    }
    // Named volumes mounted by more than one service share state between containers.
    let mut volume_users: BTreeMap<String, Vec<(String, Pos)>> = BTreeMap::new();
    for (key, svc) in services.entries() {
        for v in svc.get("volumes").map(Node::seq).unwrap_or(&[]) {
            let source = if v.is_map() {
                (v.get("type").and_then(Node::str) == Some("volume"))
                    .then(|| v.get("source").and_then(Node::str))
                    .flatten()
                    .map(str::to_string)
            } else {
                v.str()
                    .and_then(|s| s.split_once(':'))
                    .map(|(src, _)| src.to_string())
                    .filter(|src| !src.starts_with(['/', '.', '~', '$']))
            };
            if let Some(src) = source {
                volume_users.entry(src).or_default().push((key.str().unwrap_or("?").to_string(), v.pos()));
            }
        }
    }
    for (volume, users) in &volume_users {
        if users.len() > 1 {
            let names: Vec<&str> = users.iter().map(|(n, _)| n.as_str()).collect();
            out.push(Diag::new(
                "CP036",
                users[1].1,
                format!("volume `{volume}` is mounted by several services: {}", names.join(", ")),
            ));
        }
    }
    let mut container_names: BTreeMap<String, u32> = BTreeMap::new();
    let mut host_ports: BTreeMap<String, u32> = BTreeMap::new();
    for (key, svc) in services.entries() {
        let name = key.str().unwrap_or("?");
        let who = format!("service `{name}`");
        let at = key.pos();
        let get = |k: &str| svc.get(k);
        let truthy = |k: &str| get(k).and_then(Node::as_bool) == Some(true);
        if truthy("privileged") {
            out.push(Diag::new("CP001", get("privileged").map_or(at, Node::pos), format!("{who} is privileged")));
        }
        for (field, rule) in
            [("network_mode", "CP004"), ("pid", "CP005"), ("ipc", "CP006"), ("userns_mode", "CP007"), ("uts", "CP008")]
        {
            if let Some(n) = get(field).filter(|n| n.str() == Some("host")) {
                out.push(Diag::new(rule, n.pos(), format!("{who} shares the host's namespace: `{field}: host`")));
            }
        }
        let caps = |k: &str| -> Vec<(String, (u32, u32))> {
            get(k)
                .map(Node::seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|n| Some((n.str()?.to_uppercase().trim_start_matches("CAP_").to_string(), n.pos())))
                .collect()
        };
        if !caps("cap_drop").iter().any(|(c, _)| c == "ALL") {
            out.push(Diag::new(
                "CP009",
                get("cap_drop").map_or(at, Node::pos),
                format!("{who} does not drop ALL capabilities"),
            ));
        }
        for (cap, pos) in caps("cap_add") {
            if DANGEROUS_CAPS.contains(&cap.as_str()) {
                out.push(Diag::new("CP010", pos, format!("{who} adds capability {cap}")));
            }
        }
        let opts: Vec<(String, (u32, u32))> = get("security_opt")
            .map(Node::seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(|n| Some((n.str()?.to_string(), n.pos())))
            .collect();
        if !opts.iter().any(|(o, _)| {
            let o = o.replace([' ', '='], ":");
            o == "no-new-privileges" || o == "no-new-privileges:true"
        }) {
            out.push(Diag::new(
                "CP011",
                get("security_opt").map_or(at, Node::pos),
                format!("{who} does not set no-new-privileges:true"),
            ));
        }
        if !opts.iter().any(|(o, _)| o.starts_with("apparmor") || o.starts_with("label")) {
            out.push(Diag::new(
                "CP038",
                get("security_opt").map_or(at, Node::pos),
                format!("{who} sets no AppArmor profile or SELinux label"),
            ));
        }
        for (o, pos) in &opts {
            let o = o.replace('=', ":");
            if o == "seccomp:unconfined" || o == "apparmor:unconfined" {
                out.push(Diag::new("CP012", *pos, format!("{who} disables {}", o.split(':').next().unwrap_or(""))));
            }
        }
        if !truthy("read_only") {
            out.push(Diag::new(
                "CP013",
                get("read_only").map_or(at, Node::pos),
                format!("{who} has a writable root filesystem; set read_only: true"),
            ));
        }
        match get("user").and_then(Node::str) {
            None => out.push(Diag::new(
                "CP014",
                at,
                format!("{who} sets no `user`: it runs as the image's user, often root"),
            )),
            Some(u) if matches!(u.split(':').next(), Some("root" | "0")) => {
                out.push(Diag::new("CP014", get("user").map_or(at, Node::pos), format!("{who} runs as root")));
            }
            _ => {}
        }
        let limits = svc.path(&["deploy", "resources", "limits"]);
        if get("mem_limit").is_none() && limits.and_then(|l| l.get("memory")).is_none() {
            out.push(Diag::new("CP015", at, format!("{who} has no memory limit")));
        }
        if get("cpus").is_none() && get("cpu_quota").is_none() && limits.and_then(|l| l.get("cpus")).is_none() {
            out.push(Diag::new("CP016", at, format!("{who} has no CPU limit")));
        }
        let pids = get("pids_limit").or_else(|| limits.and_then(|l| l.get("pids")));
        if pids.is_none_or(|p| p.as_i64().is_some_and(|v| v <= 0)) {
            out.push(Diag::new("CP017", pids.map_or(at, Node::pos), format!("{who} has no pids limit")));
        }
        match get("healthcheck") {
            Some(h) => {
                let disabled = h.get("disable").and_then(Node::as_bool) == Some(true)
                    || h.get("test").is_some_and(|t| {
                        t.str() == Some("NONE") || t.seq().first().and_then(Node::str) == Some("NONE")
                    });
                if disabled {
                    out.push(Diag::new("CP018", h.pos(), format!("{who} disables its healthcheck")));
                }
            }
            None => out.push(Diag::new("CP019", at, format!("{who} defines no healthcheck"))),
        }
        if let Some(r) = get("restart").filter(|r| matches!(r.str(), Some("always" | "unless-stopped"))) {
            out.push(Diag::new("CP028", r.pos(), format!("{who} restarts forever; use `on-failure:5`")));
        }
        if let Some(d) = get("devices").filter(|d| !d.seq().is_empty()) {
            out.push(Diag::new("CP022", d.pos(), format!("{who} passes host devices through")));
        }
        if let (Some(b), Some(_)) = (svc.key("build"), get("image")) {
            out.push(Diag::new(
                "CP034",
                b.pos(),
                format!("{who} has both `build` and `image`: which one runs depends on the command"),
            ));
        }
        if get("networks").is_none() && get("network_mode").is_none() {
            out.push(Diag::new("CP035", at, format!("{who} is only on the default network")));
        }
        if let Some(cn) = get("container_name")
            && let Some(n) = cn.str()
        {
            let valid = n.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
                && n.len() > 1
                && n.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
            // Compose substitutes `${VAR}` before it uses the name, so only a literal name can be judged.
            if !valid && !n.contains('$') {
                out.push(Diag::new("CP033", cn.pos(), format!("container_name `{n}` is not a valid container name")));
            }
        }
        if let Some(c) = get("cgroup_parent") {
            out.push(Diag::new("CP030", c.pos(), format!("{who} sets cgroup_parent")));
        }
        // Ports.
        for p in get("ports").map(Node::seq).unwrap_or(&[]) {
            let (ip, host, target) = if p.is_map() {
                (
                    p.get("host_ip").and_then(Node::str).map(str::to_string),
                    p.get("published").and_then(Node::str).map(str::to_string),
                    p.get("target").and_then(Node::str).unwrap_or("").to_string(),
                )
            } else {
                split_port(p.str().unwrap_or(""))
            };
            let unbound = ip.as_deref().is_none_or(|i| i == "0.0.0.0" || i == "::" || i == "[::]");
            if unbound {
                out.push(Diag::new("CP020", p.pos(), format!("{who} publishes port {target} on every host interface")));
            }
            if let Some(h) = &host {
                let first = h.split('-').next().unwrap_or(h);
                if first.parse::<u32>().is_ok_and(|n| n > 0 && n < 1024) {
                    out.push(Diag::new("CP021", p.pos(), format!("{who} maps privileged host port {h}")));
                }
                let key = format!("{}:{h}", ip.as_deref().unwrap_or("*"));
                if let Some(first_line) = host_ports.insert(key, p.line) {
                    out.push(Diag::new(
                        "CP026",
                        p.pos(),
                        format!("{who} publishes host port {h}, already published at line {first_line}"),
                    ));
                }
            }
        }
        // Volumes.
        for v in get("volumes").map(Node::seq).unwrap_or(&[]) {
            let (source, propagation) = if v.is_map() {
                let bind = v.get("type").and_then(Node::str) == Some("bind");
                (
                    if bind { v.get("source").and_then(Node::str).map(str::to_string) } else { None },
                    v.path(&["bind", "propagation"]).and_then(Node::str).map(str::to_string),
                )
            } else {
                let s = v.str().unwrap_or("");
                let parts: Vec<&str> = s.split(':').collect();
                let src =
                    (parts.len() >= 2 && parts[0].starts_with(['/', '.', '~', '$'])).then(|| parts[0].to_string());
                (src, parts.get(2).map(|m| m.to_string()))
            };
            if let Some(src) = &source {
                let norm = if src == "/" { "/" } else { src.trim_end_matches('/') };
                if norm.ends_with("docker.sock") || norm.ends_with("containerd.sock") || norm.ends_with("podman.sock") {
                    out.push(Diag::new("CP002", v.pos(), format!("{who} mounts the container engine socket `{src}`")));
                } else if SENSITIVE.contains(&norm) {
                    out.push(Diag::new("CP003", v.pos(), format!("{who} mounts sensitive host directory `{src}`")));
                }
            }
            if propagation.as_deref().is_some_and(|m| m.split(',').any(|m| m == "shared" || m == "rshared")) {
                out.push(Diag::new("CP029", v.pos(), format!("{who} uses shared mount propagation")));
            }
        }
        // Image.
        if let Some(img) = get("image") {
            let image = img.str().unwrap_or("");
            if !image.contains('$') {
                let r = split_image(image);
                if r.digest.is_none() && matches!(r.tag, None | Some("latest")) {
                    out.push(Diag::new("CP023", img.pos(), format!("{who} image `{image}` has no fixed tag")));
                }
                if !policy.trusted_registries.is_empty() && !policy.registry_trusted(image) {
                    out.push(Diag::new(
                        "CP031",
                        img.pos(),
                        format!("{who} image `{image}` is not from a trusted registry"),
                    ));
                }
            }
        }
        // Environment.
        let env: Vec<(String, String, (u32, u32))> = match get("environment") {
            Some(e) if e.is_map() => e
                .entries()
                .iter()
                .filter_map(|(k, v)| Some((k.str()?.to_string(), v.str().unwrap_or("").to_string(), k.pos())))
                .collect(),
            Some(e) => e
                .seq()
                .iter()
                .filter_map(|n| {
                    let (k, v) = n.str()?.split_once('=')?;
                    Some((k.to_string(), v.to_string(), n.pos()))
                })
                .collect(),
            None => Vec::new(),
        };
        for (k, v, pos) in env {
            if crate::secret::is_secret_name(&k) && !v.is_empty() && !v.starts_with('$') {
                let message = format!("{who} has a plaintext secret in `{k}`; use `secrets:`");
                out.push(Diag::new("CP024", pos, message).flagging(&v));
            }
        }
        if let Some(cn) = get("container_name")
            && let Some(n) = cn.str()
            && let Some(first) = container_names.insert(n.to_string(), cn.line)
        {
            out.push(Diag::new("CP025", cn.pos(), format!("container_name `{n}` is already used at line {first}")));
        }
    }
}

/// (host IP, host port, container port) of a short port spec such as `127.0.0.1:8080:80/tcp`.
fn split_port(spec: &str) -> (Option<String>, Option<String>, String) {
    let spec = spec.split('/').next().unwrap_or(spec);
    if let Some(rest) = spec.strip_prefix('[')
        && let Some((ip, rest)) = rest.split_once("]:")
    {
        let (h, t) = rest.split_once(':').unwrap_or(("", rest));
        return (Some(ip.to_string()), Some(h.to_string()).filter(|h| !h.is_empty()), t.to_string());
    }
    let parts: Vec<&str> = spec.split(':').collect();
    match parts.as_slice() {
        [t] => (None, None, t.to_string()),
        [h, t] => (None, Some(h.to_string()), t.to_string()),
        [ip, h, t] => (Some(ip.to_string()), Some(h.to_string()).filter(|h| !h.is_empty()), t.to_string()),
        _ => (None, None, spec.to_string()),
    }
}

/// `over` laid on `base` as Compose merges documents: mappings merge key by key (recursively), anything else is
/// replaced. Every node keeps its own position, so a finding points into the document that set the value.
fn merge_documents(base: Node, over: Node) -> Node {
    match (base.value, over.value) {
        (yaml::Value::Map(mut entries), yaml::Value::Map(over_entries)) => {
            for (k, v) in over_entries {
                match entries.iter().position(|(e, _)| e.str().is_some() && e.str() == k.str()) {
                    Some(i) => {
                        let (first, old) = entries.remove(i);
                        entries.insert(i, (first, merge_documents(old, v)));
                    }
                    None => entries.push((k, v)),
                }
            }
            Node { value: yaml::Value::Map(entries), line: base.line, column: base.column }
        }
        (_, value) => Node { value, line: over.line, column: over.column },
    }
}

/// Keys of one section (`top` or `service`) of the Compose Specification, from the committed data file derived from
/// the compose-spec JSON schema (its header says how).
fn spec_keys(section: &'static str) -> impl Iterator<Item = &'static str> {
    include_str!("compose_spec_keys.txt")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(move |l| l.strip_prefix(section)?.strip_prefix(' '))
}

/// The order DCLint's `top-level-properties-order` expects; `x-` extensions come first.
const TOP_ORDER: &[&str] = &["version", "name", "include", "services", "networks", "volumes", "secrets", "configs"];

/// DCLint's `service-keys-order` groups: keys of a later group must not come before keys of an earlier one. Keys
/// outside every group are not ordered.
const SERVICE_KEY_GROUPS: &[&[&str]] = &[
    &["image", "build", "container_name"],
    &["depends_on"],
    &["volumes", "volumes_from", "configs", "secrets"],
    &["environment", "env_file"],
    &["ports", "networks", "network_mode", "extra_hosts"],
    &["command", "entrypoint", "working_dir", "restart"],
    &["healthcheck", "logging", "labels"],
    &["user", "isolation"],
];

/// The first place where `names` (with their nodes) are not in non-decreasing order of `rank`.
fn first_unordered<'n, R: Ord>(items: &[(&'n Node, R)]) -> Option<(&'n Node, &'n Node)> {
    items.windows(2).find(|w| w[1].1 < w[0].1).map(|w| (w[0].0, w[1].0))
}

/// The C28 style rules (off by default): ordering of top-level keys, services, service keys, ports and
/// depends_on, and quoting of port mappings.
fn check_style(root: &Node, out: &mut Vec<Diag>) {
    let top: Vec<(&Node, usize)> = root
        .entries()
        .iter()
        .filter_map(|(k, _)| {
            let key = k.str()?;
            let rank =
                if key.starts_with("x-") { Some(0) } else { TOP_ORDER.iter().position(|t| *t == key).map(|i| i + 1) };
            Some((k, rank?))
        })
        .collect();
    if let Some((before, after)) = first_unordered(&top) {
        out.push(Diag::new(
            "CP044",
            after.pos(),
            format!(
                "top-level `{}` comes after `{}`; the order is x-*, {}",
                after.str().unwrap_or(""),
                before.str().unwrap_or(""),
                TOP_ORDER.join(", ")
            ),
        ));
    }
    let Some(services) = root.get("services") else { return };
    let names: Vec<(&Node, String)> =
        services.entries().iter().filter_map(|(k, _)| Some((k, k.str()?.to_string()))).collect();
    if let Some((before, after)) = first_unordered(&names) {
        out.push(Diag::new(
            "CP040",
            after.pos(),
            format!(
                "service `{}` comes after `{}`: services are not in alphabetical order",
                after.str().unwrap_or(""),
                before.str().unwrap_or("")
            ),
        ));
    }
    for (key, svc) in services.entries() {
        let who = format!("service `{}`", key.str().unwrap_or("?"));
        let keys: Vec<(&Node, usize)> = svc
            .entries()
            .iter()
            .filter_map(|(k, _)| {
                let field = k.str()?;
                Some((k, SERVICE_KEY_GROUPS.iter().position(|g| g.contains(&field))?))
            })
            .collect();
        if let Some((before, after)) = first_unordered(&keys) {
            out.push(Diag::new(
                "CP041",
                after.pos(),
                format!(
                    "{who}: `{}` comes after `{}`; keep image/build first, then dependencies, storage, environment, networking, runtime, metadata and user",
                    after.str().unwrap_or(""),
                    before.str().unwrap_or("")
                ),
            ));
        }
        let ports = svc.get("ports").map(Node::seq).unwrap_or(&[]);
        let port_keys: Vec<(&Node, (u64, String))> = ports
            .iter()
            .filter_map(|p| {
                let text = match p.get("published").or_else(|| p.get("target")) {
                    Some(n) => n.str()?.to_string(),
                    None => p.str()?.to_string(),
                };
                // Sorted by the host side (the published port), which is what readers look up.
                let published = text.rsplit_once(':').map_or(text.as_str(), |(h, _)| h);
                let number = published.rsplit(':').next().unwrap_or("").split('-').next().unwrap_or("");
                Some((p, (number.parse().unwrap_or(u64::MAX), text.clone())))
            })
            .collect();
        if let Some((before, after)) = first_unordered(&port_keys) {
            out.push(Diag::new(
                "CP042",
                after.pos(),
                format!(
                    "{who}: port `{}` comes after `{}`: ports are not in ascending order",
                    after.str().or_else(|| after.get("published").and_then(Node::str)).unwrap_or(""),
                    before.str().or_else(|| before.get("published").and_then(Node::str)).unwrap_or("")
                ),
            ));
        }
        for p in ports {
            // A plain `22:22` is a base-60 number in YAML 1.1 parsers; quoted, it is always a string.
            if let yaml::Value::Scalar { text, plain: true } = &p.value
                && text.contains(':')
            {
                out.push(Diag::new("CP045", p.pos(), format!("{who}: port mapping `{text}` is not quoted")));
            }
        }
        let deps: Vec<(&Node, String)> = match svc.get("depends_on") {
            Some(d) if d.is_map() => d.entries().iter().filter_map(|(k, _)| Some((k, k.str()?.to_string()))).collect(),
            Some(d) => d.seq().iter().filter_map(|n| Some((n, n.str()?.to_string()))).collect(),
            None => Vec::new(),
        };
        if let Some((before, after)) = first_unordered(&deps) {
            out.push(Diag::new(
                "CP043",
                after.pos(),
                format!(
                    "{who}: depends_on `{}` comes after `{}`: not in alphabetical order",
                    after.str().unwrap_or(""),
                    before.str().unwrap_or("")
                ),
            ));
        }
    }
}
