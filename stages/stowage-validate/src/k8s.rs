//! Kubernetes manifest rules: the Pod Security Standards field by field, resources, probes, images, service
//! accounts, RBAC, and the relations between objects (Service, PDB, NetworkPolicy and HPA against the pods they
//! should select, probe and Service ports against container ports).

use std::collections::BTreeMap;

use crate::Diag;
use crate::dockerfile::split_image;
use crate::policy::Policy;
use crate::yaml::{self, Node};

/// One object of a manifest, kept for the checks that relate objects to each other.
#[derive(Debug, Clone)]
pub struct Object {
    pub file: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    pub root: Node,
}

impl Object {
    /// Labels of the pods this object creates, with the position of the template.
    fn pod_labels(&self) -> Option<BTreeMap<String, String>> {
        let meta = match self.kind.as_str() {
            "Pod" => self.root.get("metadata"),
            "CronJob" => self.root.path(&["spec", "jobTemplate", "spec", "template", "metadata"]),
            k if WORKLOADS.contains(&k) => self.root.path(&["spec", "template", "metadata"]),
            _ => None,
        }?;
        Some(string_map(meta.get("labels")))
    }

    fn pod_spec(&self) -> Option<&Node> {
        pod_spec(&self.kind, &self.root)
    }

    /// Whether the object runs pods (a Pod, a workload or a CronJob): what pod security controls apply to.
    pub fn runs_pods(&self) -> bool {
        self.pod_spec().is_some()
    }
}

const WORKLOADS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"];

const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "Node",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "IngressClass",
    "RuntimeClass",
    "PodSecurityPolicy",
    "CSIDriver",
    "ClusterIssuer",
    "VolumeSnapshotClass",
];

fn pod_spec<'n>(kind: &str, root: &'n Node) -> Option<&'n Node> {
    match kind {
        "Pod" => root.get("spec"),
        "CronJob" => root.path(&["spec", "jobTemplate", "spec", "template", "spec"]),
        k if WORKLOADS.contains(&k) => root.path(&["spec", "template", "spec"]),
        _ => None,
    }
}

fn string_map(node: Option<&Node>) -> BTreeMap<String, String> {
    node.map(|n| {
        n.entries()
            .iter()
            .filter_map(|(k, v)| Some((k.str()?.to_string(), v.str().unwrap_or("").to_string())))
            .collect()
    })
    .unwrap_or_default()
}

/// Checks every document of a manifest file and collects its objects for [`check_relations`].
/// `dir` is the folder the file is in, when it is on disk: a Kustomization's paths are checked against it.
pub fn check_file(
    file: &str,
    dir: Option<&std::path::Path>,
    text: &str,
    policy: &Policy,
    out: &mut Vec<Diag>,
    objects: &mut Vec<Object>,
) {
    let (docs, diags) = yaml::parse(text);
    out.extend(diags);
    for doc in docs {
        let Some(root) = doc.root else { continue };
        if !root.is_map() {
            continue;
        }
        let kind = root.get("kind").and_then(Node::str).unwrap_or("").to_string();
        let api = root.get("apiVersion").and_then(Node::str).unwrap_or("").to_string();
        if kind.is_empty() || api.is_empty() {
            let missing = if kind.is_empty() { "kind" } else { "apiVersion" };
            out.push(Diag::new("KS061", root.pos(), format!("document has no `{missing}`")));
            continue;
        }
        if kind == "List" {
            for item in root.get("items").map(Node::seq).unwrap_or(&[]) {
                let k = item.get("kind").and_then(Node::str).unwrap_or("").to_string();
                let a = item.get("apiVersion").and_then(Node::str).unwrap_or("").to_string();
                check_object(file, &k, &a, item, policy, out, objects);
            }
            continue;
        }
        if api.starts_with("kustomize.config.k8s.io/") && matches!(kind.as_str(), "Kustomization" | "Component") {
            check_kustomization(&root, dir, out);
        }
        check_object(file, &kind, &api, &root, policy, out, objects);
    }
}

/// Fields kustomize v5 deprecates, with what replaces each (`kustomize edit fix` rewrites them).
const KUSTOMIZE_DEPRECATED: &[(&str, &str)] = &[
    ("bases", "list the bases under `resources`"),
    ("commonLabels", "use `labels` (with `includeSelectors` as needed)"),
    ("imageTags", "use `images`"),
    ("patchesJson6902", "use `patches` with a `target`"),
    ("patchesStrategicMerge", "use `patches`"),
    ("vars", "use `replacements`"),
];

/// A Kustomization is kustomize's configuration, not an object: its own checks are the paths it names (a missing
/// one stops `kubectl kustomize`) and the fields kustomize has deprecated.
fn check_kustomization(root: &Node, dir: Option<&std::path::Path>, out: &mut Vec<Diag>) {
    for (key, fix) in KUSTOMIZE_DEPRECATED {
        if let Some(at) = root.key(key) {
            out.push(Diag::new("KS109", at.pos(), format!("`{key}` is deprecated in kustomize v5: {fix}")));
        }
    }
    let Some(dir) = dir else { return };
    let mut named: Vec<(&str, &Node)> = Vec::new();
    for key in ["resources", "components", "bases", "crds", "patchesStrategicMerge"] {
        for item in root.get(key).map(Node::seq).unwrap_or(&[]) {
            if item.str().is_some() {
                named.push((key, item));
            }
        }
    }
    for item in root.get("patches").map(Node::seq).unwrap_or(&[]) {
        if let Some(path) = item.get("path") {
            named.push(("patches", path));
        }
    }
    for (key, node) in named {
        let Some(path) = node.str() else { continue };
        // Remote bases (URLs, `github.com/org/repo//dir?ref=v1`) and inline patches are not files here.
        let remote = path.contains("://")
            || path.contains("?ref=")
            || path.starts_with("github.com/")
            || path.starts_with("git@");
        if remote || path.contains('\n') || path.trim().is_empty() {
            continue;
        }
        if !dir.join(path).exists() {
            out.push(Diag::new(
                "KS108",
                node.pos(),
                format!("`{key}` names `{path}`, which does not exist next to the kustomization"),
            ));
        }
    }
}

fn check_object(
    file: &str,
    kind: &str,
    api: &str,
    root: &Node,
    policy: &Policy,
    out: &mut Vec<Diag>,
    objects: &mut Vec<Object>,
) {
    let c = Ctx { kind, name: root.path(&["metadata", "name"]).and_then(Node::str).unwrap_or("").to_string() };
    let at_kind = root.key("kind").map_or(root.pos(), Node::pos);
    let namespace = root.path(&["metadata", "namespace"]).and_then(Node::str).map(str::to_string);
    // A kustomization.yaml is kustomize's configuration, not an API object: its metadata is optional.
    let kustomize = api.starts_with("kustomize.config.k8s.io/");
    if !kustomize && root.path(&["metadata", "name"]).is_none() && root.path(&["metadata", "generateName"]).is_none() {
        out.push(Diag::new("KS061", at_kind, format!("{kind} has no `metadata.name`")));
    }
    if let Some(ns) = root.path(&["metadata", "namespace"]).filter(|n| n.str() == Some("kube-system")) {
        out.push(Diag::new("KS085", ns.pos(), format!("{} is deployed into kube-system", c.label())));
    }
    for (k, v) in root.path(&["metadata", "labels"]).map(Node::entries).unwrap_or(&[]) {
        let value = v.str().unwrap_or("");
        if !label_value_valid(value) {
            out.push(Diag::new(
                "KS094",
                v.pos(),
                format!("label `{}` value `{value}` is not a valid label value", k.str().unwrap_or("")),
            ));
        }
    }
    if let Some(replacement) = deprecated_api(api, kind) {
        let at = root.get("apiVersion").map_or(at_kind, Node::pos);
        out.push(Diag::new("KS060", at, format!("{kind} {api} is removed; use {replacement}")));
    }
    // A custom resource may be cluster-scoped; only built-in kinds are known to be namespaced.
    let builtin =
        !api.contains('/') || api.split('/').next().is_some_and(|g| !g.contains('.') || g.ends_with(".k8s.io"));
    if builtin && !kustomize && !CLUSTER_SCOPED.contains(&kind) {
        match namespace.as_deref() {
            None => {
                out.push(Diag::new("KS042", at_kind, format!("{} has no namespace: it lands in `default`", c.label())))
            }
            Some("default") => {
                let at = root.path(&["metadata", "namespace"]).map_or(at_kind, Node::pos);
                out.push(Diag::new("KS042", at, format!("{} is in the `default` namespace", c.label())));
            }
            _ => {}
        }
    }
    if let Some(spec) = pod_spec(kind, root) {
        check_pod(&c, root, spec, policy, out);
        check_known_components(&c, spec, out);
        let replicas = root.path(&["spec", "replicas"]);
        if matches!(kind, "Deployment" | "StatefulSet") && replicas.and_then(Node::as_i64).is_some_and(|r| r < 2) {
            out.push(Diag::new(
                "KS059",
                replicas.map_or(at_kind, Node::pos),
                format!("{} runs a single replica", c.label()),
            ));
        }
        if WORKLOADS.contains(&kind) && kind != "Job" {
            check_selector(&c, root, at_kind, out);
        }
        check_availability(&c, kind, root, spec, at_kind, out);
        if root.path(&["metadata", "labels", "app.kubernetes.io/name"]).is_none() {
            out.push(Diag::new("KS079", at_kind, format!("{} has no app.kubernetes.io/name label", c.label())));
        }
    }
    match kind {
        "Service" => {
            let selector = string_map(root.path(&["spec", "selector"]));
            if selector.get("app").map(String::as_str) == Some("helm")
                && selector.get("name").map(String::as_str) == Some("tiller")
            {
                out.push(Diag::new("KS100", at_kind, format!("{} exposes Tiller (Helm 2)", c.label())));
            }
            if let Some(t) = root.path(&["spec", "type"]).filter(|t| t.str() == Some("NodePort")) {
                out.push(Diag::new(
                    "KS056",
                    t.pos(),
                    format!("{} is a NodePort: it opens a port on every node", c.label()),
                ));
            }
            for p in root.path(&["spec", "ports"]).map(Node::seq).unwrap_or(&[]) {
                if let Some(port) = p.get("port").filter(|n| n.as_i64() == Some(22)) {
                    out.push(Diag::new("KS089", port.pos(), format!("{} exposes port 22 (SSH)", c.label())));
                }
            }
            if let Some(ips) = root.path(&["spec", "externalIPs"]).filter(|n| !n.seq().is_empty()) {
                out.push(Diag::new("KS057", ips.pos(), format!("{} sets externalIPs (CVE-2020-8554)", c.label())));
            }
        }
        "Ingress" => {
            if root.path(&["spec", "tls"]).is_none_or(|t| t.seq().is_empty()) {
                out.push(Diag::new("KS058", at_kind, format!("{} has no TLS section", c.label())));
            }
            for (k, v) in root.path(&["metadata", "annotations"]).map(Node::entries).unwrap_or(&[]) {
                if k.str().is_some_and(|k| k.starts_with("nginx.ingress.kubernetes.io/") && k.ends_with("-snippet")) {
                    out.push(Diag::new(
                        "KS095",
                        v.pos(),
                        format!(
                            "{} sets `{}`: raw nginx configuration (CVE-2021-25742)",
                            c.label(),
                            k.str().unwrap_or("")
                        ),
                    ));
                }
            }
        }
        "Role" | "ClusterRole" => check_rules(&c, root, out),
        "RoleBinding" | "ClusterRoleBinding" => {
            if let Some(r) = root.path(&["roleRef", "name"]).filter(|n| n.str() == Some("cluster-admin")) {
                out.push(Diag::new("KS063", r.pos(), format!("{} grants cluster-admin", c.label())));
            }
            for subject in root.get("subjects").map(Node::seq).unwrap_or(&[]) {
                if let Some(n) = subject.get("name").filter(|n| {
                    matches!(n.str(), Some("system:anonymous" | "system:unauthenticated" | "system:authenticated"))
                }) {
                    out.push(Diag::new(
                        "KS091",
                        n.pos(),
                        format!("{} grants its role to `{}`", c.label(), n.str().unwrap_or("")),
                    ));
                }
                if let Some(n) = subject.get("name").filter(|n| n.str() == Some("system:masters")) {
                    out.push(Diag::new(
                        "KS105",
                        n.pos(),
                        format!("{} binds to system:masters, a group that bypasses RBAC", c.label()),
                    ));
                }
            }
        }
        "PodDisruptionBudget" => {
            let max = root.path(&["spec", "maxUnavailable"]);
            let min = root.path(&["spec", "minAvailable"]);
            if max.is_none() && min.is_none() {
                out.push(Diag::new(
                    "KS106",
                    at_kind,
                    format!("{} sets neither minAvailable nor maxUnavailable", c.label()),
                ));
            }
            if root.path(&["spec", "unhealthyPodEvictionPolicy"]).and_then(Node::str) != Some("AlwaysAllow") {
                out.push(Diag::new(
                    "KS107",
                    root.path(&["spec", "unhealthyPodEvictionPolicy"]).map_or(at_kind, Node::pos),
                    format!("{} does not set unhealthyPodEvictionPolicy: AlwaysAllow", c.label()),
                ));
            }
            let blocks = max.is_some_and(|m| m.str() == Some("0") || m.str() == Some("0%"))
                || min.is_some_and(|m| m.str() == Some("100%"));
            if blocks {
                let at = max.or(min).map_or(at_kind, Node::pos);
                out.push(Diag::new(
                    "KS067",
                    at,
                    format!("{} allows no voluntary eviction: node drains hang", c.label()),
                ));
            }
        }
        "HorizontalPodAutoscaler" => {
            let min = root.path(&["spec", "minReplicas"]);
            let max = root.path(&["spec", "maxReplicas"]);
            let min_v = min.and_then(Node::as_i64).unwrap_or(1);
            if min_v < 2 {
                out.push(Diag::new(
                    "KS072",
                    min.map_or(at_kind, Node::pos),
                    format!("{} may scale down to {min_v} replica", c.label()),
                ));
            }
            if let Some(m) = max.filter(|m| m.as_i64().is_some_and(|v| v <= min_v)) {
                out.push(Diag::new(
                    "KS077",
                    m.pos(),
                    format!("{} maxReplicas is not above minReplicas: it never scales", c.label()),
                ));
            }
        }
        "CronJob" if root.path(&["spec", "startingDeadlineSeconds"]).is_none() => {
            out.push(Diag::new("KS068", at_kind, format!("{} has no startingDeadlineSeconds", c.label())));
        }
        "Job" if root.path(&["spec", "ttlSecondsAfterFinished"]).is_none() => {
            out.push(Diag::new("KS069", at_kind, format!("{} has no ttlSecondsAfterFinished", c.label())));
        }
        _ => {}
    }
    objects.push(Object {
        file: file.to_string(),
        kind: kind.to_string(),
        name: c.name.clone(),
        namespace,
        root: root.clone(),
    });
}

struct Ctx<'a> {
    kind: &'a str,
    name: String,
}

impl Ctx<'_> {
    fn label(&self) -> String {
        format!("{} `{}`", self.kind, self.name)
    }
}

fn deprecated_api(api: &str, kind: &str) -> Option<&'static str> {
    Some(match (api, kind) {
        ("extensions/v1beta1", "Ingress") | ("networking.k8s.io/v1beta1", "Ingress") => "networking.k8s.io/v1",
        (
            "extensions/v1beta1" | "apps/v1beta1" | "apps/v1beta2",
            "Deployment" | "DaemonSet" | "ReplicaSet" | "StatefulSet",
        ) => "apps/v1",
        ("extensions/v1beta1", "NetworkPolicy") => "networking.k8s.io/v1",
        ("extensions/v1beta1" | "policy/v1beta1", "PodSecurityPolicy") => {
            "Pod Security Admission (PodSecurityPolicy is removed)"
        }
        ("policy/v1beta1", "PodDisruptionBudget") => "policy/v1",
        ("batch/v1beta1" | "batch/v2alpha1", "CronJob") => "batch/v1",
        ("autoscaling/v2beta1" | "autoscaling/v2beta2", "HorizontalPodAutoscaler") => "autoscaling/v2",
        ("rbac.authorization.k8s.io/v1beta1" | "rbac.authorization.k8s.io/v1alpha1", _) => {
            "rbac.authorization.k8s.io/v1"
        }
        ("apiextensions.k8s.io/v1beta1", _) => "apiextensions.k8s.io/v1",
        ("admissionregistration.k8s.io/v1beta1", _) => "admissionregistration.k8s.io/v1",
        ("scheduling.k8s.io/v1beta1" | "scheduling.k8s.io/v1alpha1", _) => "scheduling.k8s.io/v1",
        (
            "storage.k8s.io/v1beta1",
            "CSIDriver" | "CSINode" | "StorageClass" | "VolumeAttachment" | "CSIStorageCapacity",
        ) => "storage.k8s.io/v1",
        ("discovery.k8s.io/v1beta1", _) => "discovery.k8s.io/v1",
        ("events.k8s.io/v1beta1", _) => "events.k8s.io/v1",
        // Removed in 1.21 to 1.32; these beta groups still serve other kinds (LeaseCandidate, ClusterTrustBundle,
        // IPAddress, ServiceCIDR), so only the removed kinds are named where that is so.
        (
            "flowcontrol.apiserver.k8s.io/v1alpha1"
            | "flowcontrol.apiserver.k8s.io/v1beta1"
            | "flowcontrol.apiserver.k8s.io/v1beta2"
            | "flowcontrol.apiserver.k8s.io/v1beta3",
            _,
        ) => "flowcontrol.apiserver.k8s.io/v1",
        ("node.k8s.io/v1beta1" | "node.k8s.io/v1alpha1", "RuntimeClass") => "node.k8s.io/v1",
        ("coordination.k8s.io/v1beta1", "Lease") => "coordination.k8s.io/v1",
        ("certificates.k8s.io/v1beta1", "CertificateSigningRequest") => "certificates.k8s.io/v1",
        ("networking.k8s.io/v1beta1", "IngressClass") => "networking.k8s.io/v1",
        ("apiregistration.k8s.io/v1beta1", "APIService") => "apiregistration.k8s.io/v1",
        _ => return None,
    })
}

fn check_selector(c: &Ctx<'_>, root: &Node, at_kind: (u32, u32), out: &mut Vec<Diag>) {
    let labels = string_map(root.path(&["spec", "template", "metadata", "labels"]));
    let Some(selector) = root.path(&["spec", "selector"]) else { return };
    let match_labels = string_map(selector.get("matchLabels").or(if c.kind == "ReplicationController" {
        Some(selector)
    } else {
        None
    }));
    for (k, v) in &match_labels {
        if labels.get(k) != Some(v) {
            out.push(Diag::new(
                "KS051",
                selector.pos(),
                format!("{} selects `{k}={v}` but its pod template does not carry that label", c.label()),
            ));
            return;
        }
    }
    let _ = at_kind;
}

/// Rollout strategy, spreading, restart policy and the opt-in hygiene rules of a workload.
fn check_availability(c: &Ctx<'_>, kind: &str, root: &Node, spec: &Node, at_kind: (u32, u32), out: &mut Vec<Diag>) {
    if kind == "Deployment"
        && let Some(t) = root.path(&["spec", "strategy", "type"]).filter(|t| t.str() == Some("Recreate"))
    {
        out.push(Diag::new(
            "KS074",
            t.pos(),
            format!("{} uses the Recreate strategy: every rollout is an outage", c.label()),
        ));
    }
    let replicas = root.path(&["spec", "replicas"]).and_then(Node::as_i64).unwrap_or(1);
    let spread =
        spec.path(&["affinity", "podAntiAffinity"]).is_some() || spec.get("topologySpreadConstraints").is_some();
    if matches!(kind, "Deployment" | "StatefulSet") && replicas >= 2 && !spread {
        out.push(Diag::new(
            "KS075",
            at_kind,
            format!(
                "{} has {replicas} replicas but no pod anti-affinity or topology spread: they may share a node",
                c.label()
            ),
        ));
    }
    let restart = spec.get("restartPolicy");
    let bad_restart = match (kind, restart.and_then(Node::str)) {
        ("Job" | "CronJob", Some("Always")) => true,
        ("Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet", Some(p)) => p != "Always",
        _ => false,
    };
    if bad_restart && let Some(r) = restart {
        out.push(Diag::new(
            "KS082",
            r.pos(),
            format!("{} restartPolicy `{}` is not valid for a {kind}", c.label(), r.str().unwrap_or("")),
        ));
    }
    if spec.get("hostUsers").and_then(Node::as_bool) != Some(false) {
        out.push(Diag::new(
            "KS081",
            spec.get("hostUsers").map_or(spec.pos(), Node::pos),
            format!("{} shares the host's user namespace; set hostUsers: false", c.label()),
        ));
    }
    for ct in spec.get("containers").map(Node::seq).unwrap_or(&[]) {
        let res = ct.get("resources");
        if res.and_then(|r| r.path(&["limits", "ephemeral-storage"])).is_none() {
            let who = ct.get("name").and_then(Node::str).unwrap_or("?");
            out.push(Diag::new(
                "KS080",
                ct.get("name").map_or(ct.pos(), Node::pos),
                format!("container `{who}` of {} has no ephemeral-storage limit", c.label()),
            ));
        }
    }
}

const BASELINE_CAPS: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];
const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];
const RESTRICTED_VOLUMES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];
const SOCKETS: &[&str] = &[
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
    "/var/run",
    "/run",
];
const SELINUX_TYPES: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

fn check_pod(c: &Ctx<'_>, root: &Node, spec: &Node, policy: &Policy, out: &mut Vec<Diag>) {
    let label = c.label();
    let psc = spec.get("securityContext");
    let spec_at = spec.pos();
    let annotations = string_map(
        if c.kind == "Pod" { root.get("metadata") } else { pod_template_meta(c.kind, root) }
            .and_then(|m| m.get("annotations")),
    );
    for (field, rule) in [("hostNetwork", "KS012"), ("hostPID", "KS013"), ("hostIPC", "KS014")] {
        if let Some(n) = spec.get(field).filter(|n| n.as_bool() == Some(true)) {
            out.push(Diag::new(rule, n.pos(), format!("{label} sets {field}: true")));
        }
    }
    if psc.is_none_or(|n| n.entries().is_empty()) {
        out.push(Diag::new("KS027", spec_at, format!("{label} has no pod securityContext")));
    }
    if spec.get("automountServiceAccountToken").and_then(Node::as_bool) != Some(false) {
        let at = spec.get("automountServiceAccountToken").map_or(spec_at, Node::pos);
        out.push(Diag::new(
            "KS043",
            at,
            format!("{label} mounts the service account token; set automountServiceAccountToken: false"),
        ));
    }
    match spec.get("serviceAccountName").and_then(Node::str) {
        None | Some("default") if spec.get("serviceAccount").is_none() => {
            let at = spec.get("serviceAccountName").map_or(spec_at, Node::pos);
            out.push(Diag::new("KS044", at, format!("{label} uses the namespace's default service account")));
        }
        _ => {}
    }
    if let Some(n) = spec.get("serviceAccount") {
        out.push(Diag::new(
            "KS045",
            n.pos(),
            format!("{label} uses the deprecated `serviceAccount` field; use serviceAccountName"),
        ));
    }
    if let Some(n) = spec.get("hostAliases").filter(|n| !n.seq().is_empty()) {
        out.push(Diag::new("KS029", n.pos(), format!("{label} sets hostAliases, overriding name resolution")));
    }
    if let Some(psc) = psc {
        for s in psc.get("sysctls").map(Node::seq).unwrap_or(&[]) {
            if let Some(name) = s.get("name").and_then(Node::str)
                && !SAFE_SYSCTLS.contains(&name)
            {
                out.push(Diag::new("KS023", s.pos(), format!("{label} sets unsafe sysctl `{name}`")));
            }
        }
        if let Some(w) = psc.path(&["windowsOptions", "hostProcess"]).filter(|n| n.as_bool() == Some(true)) {
            out.push(Diag::new("KS025", w.pos(), format!("{label} runs as a Windows host process")));
        }
        for (field, what) in [("runAsGroup", "group"), ("fsGroup", "filesystem group")] {
            if let Some(g) = psc.get(field).filter(|g| g.as_i64() == Some(0)) {
                out.push(Diag::new("KS005", g.pos(), format!("{label} runs with root {what} (0)")));
            }
        }
        if let Some(t) = psc.path(&["appArmorProfile", "type"]).filter(|t| !apparmor_type_allowed(t.str())) {
            out.push(Diag::new("KS020", t.pos(), format!("{label} runs with AppArmor {}", t.str().unwrap_or(""))));
        }
        // The admission controller rejects a forbidden pod-level value even when every container overrides it;
        // when some container inherits it, that container's finding already reports it.
        let containers: Vec<&Node> = ["containers", "initContainers", "ephemeralContainers"]
            .into_iter()
            .flat_map(|g| spec.get(g).map(Node::seq).unwrap_or(&[]))
            .collect();
        let all_set =
            |keys: &[&str]| containers.iter().all(|ct| ct.get("securityContext").and_then(|s| s.path(keys)).is_some());
        if let Some(u) = psc.get("runAsUser").filter(|u| u.as_i64() == Some(0) && all_set(&["runAsUser"])) {
            out.push(Diag::new("KS004", u.pos(), format!("{label} sets pod-level runAsUser: 0")));
        }
        if let Some(n) = psc.get("runAsNonRoot").filter(|n| n.as_bool() == Some(false))
            && all_set(&["runAsNonRoot"])
        {
            out.push(Diag::new("KS003", n.pos(), format!("{label} sets pod-level runAsNonRoot: false")));
        }
        if let Some(t) = psc.path(&["seccompProfile", "type"]).filter(|t| t.str() == Some("Unconfined"))
            && all_set(&["seccompProfile", "type"])
        {
            out.push(Diag::new("KS019", t.pos(), format!("{label} sets pod-level seccomp Unconfined")));
        }
    }
    for v in spec.get("volumes").map(Node::seq).unwrap_or(&[]) {
        let vname = v.get("name").and_then(Node::str).unwrap_or("");
        if let Some(hp) = v.get("hostPath") {
            let path = hp.get("path").and_then(Node::str).unwrap_or("");
            let trimmed = path.trim_end_matches('/');
            if SOCKETS.contains(&trimmed) {
                out.push(Diag::new("KS017", hp.pos(), format!("{label} mounts the container runtime socket `{path}`")));
            } else {
                out.push(Diag::new("KS016", hp.pos(), format!("{label} mounts host path `{path}` (volume `{vname}`)")));
            }
            continue;
        }
        if let Some((k, _)) = v.entries().iter().find(|(k, _)| k.str().is_some_and(|k| k != "name")) {
            let t = k.str().unwrap_or("");
            if !RESTRICTED_VOLUMES.contains(&t) {
                out.push(Diag::new(
                    "KS024",
                    k.pos(),
                    format!("{label} uses a `{t}` volume, not allowed by the restricted profile"),
                ));
            }
        }
    }
    let pod_seccomp = psc.and_then(|p| p.path(&["seccompProfile", "type"])).and_then(Node::str);
    let annotation_seccomp = annotations.get("seccomp.security.alpha.kubernetes.io/pod").map(String::as_str);
    let mut probe_ports: Vec<(String, String, (u32, u32))> = Vec::new();
    let _ = &mut probe_ports;
    for (group, is_init) in [("containers", false), ("initContainers", true), ("ephemeralContainers", true)] {
        for ct in spec.get(group).map(Node::seq).unwrap_or(&[]) {
            check_container(
                c,
                ct,
                psc,
                pod_seccomp,
                annotation_seccomp,
                &annotations,
                is_init,
                group == "ephemeralContainers",
                policy,
                out,
            );
        }
    }
}

fn pod_template_meta<'n>(kind: &str, root: &'n Node) -> Option<&'n Node> {
    match kind {
        "CronJob" => root.path(&["spec", "jobTemplate", "spec", "template", "metadata"]),
        _ => root.path(&["spec", "template", "metadata"]),
    }
}

#[allow(clippy::too_many_arguments)]
fn check_container(
    c: &Ctx<'_>,
    ct: &Node,
    psc: Option<&Node>,
    pod_seccomp: Option<&str>,
    annotation_seccomp: Option<&str>,
    annotations: &BTreeMap<String, String>,
    is_init: bool,
    ephemeral: bool,
    policy: &Policy,
    out: &mut Vec<Diag>,
) {
    let cname = ct.get("name").and_then(Node::str).unwrap_or("?");
    let who = format!("container `{cname}` of {}", c.label());
    let at = ct.get("name").map_or(ct.pos(), Node::pos);
    let sc = ct.get("securityContext");
    let field = |name: &str| sc.and_then(|s| s.get(name));
    // Container settings override the pod's.
    let effective = |name: &str| field(name).or_else(|| psc.and_then(|p| p.get(name)));
    if sc.is_none_or(|s| s.entries().is_empty()) {
        out.push(Diag::new("KS028", at, format!("{who} has no securityContext")));
    }
    if let Some(p) = field("privileged").filter(|p| p.as_bool() == Some(true)) {
        out.push(Diag::new("KS001", p.pos(), format!("{who} is privileged")));
    }
    if field("allowPrivilegeEscalation").and_then(Node::as_bool) != Some(false) {
        let pos = field("allowPrivilegeEscalation").map_or(at, Node::pos);
        out.push(Diag::new(
            "KS002",
            pos,
            format!("{who} allows privilege escalation; set allowPrivilegeEscalation: false"),
        ));
    }
    let non_root = effective("runAsNonRoot").and_then(Node::as_bool);
    let uid = effective("runAsUser").and_then(Node::as_i64);
    // The restricted profile requires runAsNonRoot: true whatever runAsUser says: the kubelet then refuses an image
    // whose user is root, where a UID in the manifest only covers the user it names.
    if non_root != Some(true) {
        let pos = effective("runAsNonRoot").map_or(at, Node::pos);
        let message = match uid {
            Some(u) if u != 0 => {
                format!("{who} sets runAsUser {u} but not runAsNonRoot: true, which restricted requires")
            }
            _ => format!("{who} may run as root; set runAsNonRoot: true"),
        };
        out.push(Diag::new("KS003", pos, message));
    }
    if let Some(u) = effective("runAsUser").filter(|u| u.as_i64() == Some(0)) {
        out.push(Diag::new("KS004", u.pos(), format!("{who} runs as UID 0")));
    }
    if let Some(g) = field("runAsGroup").filter(|g| g.as_i64() == Some(0)) {
        out.push(Diag::new("KS005", g.pos(), format!("{who} runs with root group (0)")));
    }
    if uid.is_none_or(|u| u < 10000) {
        let pos = effective("runAsUser").map_or(at, Node::pos);
        out.push(Diag::new("KS006", pos, format!("{who} does not run as a UID of 10000 or more")));
    }
    if field("readOnlyRootFilesystem").and_then(Node::as_bool) != Some(true) {
        let pos = field("readOnlyRootFilesystem").map_or(at, Node::pos);
        out.push(Diag::new("KS007", pos, format!("{who} has a writable root filesystem")));
    }
    let caps = field("capabilities");
    let list = |k: &str| -> Vec<(String, (u32, u32))> {
        caps.and_then(|c| c.get(k))
            .map(Node::seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(|n| Some((n.str()?.to_uppercase().trim_start_matches("CAP_").to_string(), n.pos())))
            .collect()
    };
    let drop = list("drop");
    let add = list("add");
    if !drop.iter().any(|(d, _)| d == "ALL") {
        out.push(Diag::new("KS008", caps.map_or(at, Node::pos), format!("{who} does not drop ALL capabilities")));
        if !drop.iter().any(|(d, _)| d == "NET_RAW") {
            out.push(Diag::new("KS009", caps.map_or(at, Node::pos), format!("{who} keeps NET_RAW")));
        }
    }
    for (cap, pos) in &add {
        if !BASELINE_CAPS.contains(&cap.as_str()) {
            out.push(Diag::new("KS011", *pos, format!("{who} adds capability {cap}, beyond the baseline set")));
        } else if cap != "NET_BIND_SERVICE" {
            out.push(Diag::new(
                "KS010",
                *pos,
                format!("{who} adds capability {cap}; restricted allows only NET_BIND_SERVICE"),
            ));
        }
    }
    let seccomp = field("seccompProfile").and_then(|s| s.get("type"));
    let ann_ct =
        annotations.get(&format!("container.seccomp.security.alpha.kubernetes.io/{cname}")).map(String::as_str);
    let effective_seccomp = seccomp
        .and_then(Node::str)
        .or(ann_ct.map(annotation_to_type))
        .or(pod_seccomp)
        .or(annotation_seccomp.map(annotation_to_type));
    match effective_seccomp {
        Some("RuntimeDefault" | "Localhost") => {}
        Some("Unconfined") => {
            out.push(Diag::new("KS019", seccomp.map_or(at, Node::pos), format!("{who} runs with seccomp Unconfined")));
        }
        _ => out.push(Diag::new(
            "KS018",
            at,
            format!("{who} has no seccomp profile; set seccompProfile.type: RuntimeDefault"),
        )),
    }
    let apparmor = field("appArmorProfile").and_then(|a| a.get("type")).and_then(Node::str);
    let ann_aa =
        annotations.get(&format!("container.apparmor.security.beta.kubernetes.io/{cname}")).map(String::as_str);
    let ann_bad = ann_aa.is_some_and(|v| !(v.is_empty() || v == "runtime/default" || v.starts_with("localhost/")));
    if !apparmor_type_allowed(apparmor) || ann_bad {
        out.push(Diag::new("KS020", at, format!("{who} runs with AppArmor unconfined")));
    }
    for se in [field("seLinuxOptions"), psc.and_then(|p| p.get("seLinuxOptions"))].into_iter().flatten() {
        let t = se.get("type").and_then(Node::str).unwrap_or("");
        let set = |k: &str| se.get(k).and_then(Node::str).is_some_and(|v| !v.is_empty());
        if !SELINUX_TYPES.contains(&t) || set("user") || set("role") {
            out.push(Diag::new("KS021", se.pos(), format!("{who} sets a custom SELinux user, role or type")));
        }
    }
    if let Some(p) = field("procMount").filter(|p| p.str().is_some_and(|v| v != "Default")) {
        out.push(Diag::new("KS022", p.pos(), format!("{who} unmasks /proc (procMount: {})", p.str().unwrap_or(""))));
    }
    if let Some(w) = field("windowsOptions").and_then(|w| w.get("hostProcess")).filter(|n| n.as_bool() == Some(true)) {
        out.push(Diag::new("KS025", w.pos(), format!("{who} runs as a Windows host process")));
    }
    let ports = ct.get("ports").map(Node::seq).unwrap_or(&[]);
    for p in ports {
        if let Some(cp) = p.get("containerPort").filter(|n| n.as_i64().is_some_and(|v| v > 0 && v < 1024)) {
            out.push(Diag::new(
                "KS093",
                cp.pos(),
                format!("{who} listens on privileged port {}", cp.str().unwrap_or("")),
            ));
        }
    }
    if !ephemeral && !is_init {
        let res = ct.get("resources");
        for r in ["cpu", "memory"] {
            let req = res.and_then(|x| x.path(&["requests", r])).and_then(Node::str);
            let lim = res.and_then(|x| x.path(&["limits", r])).and_then(Node::str);
            if let (Some(a), Some(b)) = (req, lim)
                && a != b
            {
                let at_res = res.and_then(|x| x.path(&["requests", r])).map_or(at, Node::pos);
                out.push(Diag::new(
                    "KS092",
                    at_res,
                    format!("{who} {r} request {a} differs from its limit {b}: not Guaranteed QoS"),
                ));
            }
        }
    }
    for p in ports {
        if let Some(h) = p.get("hostPort").filter(|h| h.as_i64().is_some_and(|v| v != 0)) {
            out.push(Diag::new("KS015", h.pos(), format!("{who} binds host port {}", h.str().unwrap_or(""))));
        }
    }
    // Image.
    if let Some(image_node) = ct.get("image") {
        let image = image_node.str().unwrap_or("");
        let r = split_image(image);
        if !image.contains("{{") && !image.contains('$') {
            if r.digest.is_none() && matches!(r.tag, None | Some("latest")) {
                out.push(Diag::new(
                    "KS038",
                    image_node.pos(),
                    format!("{who} uses image `{image}` without a fixed tag"),
                ));
            }
            if r.digest.is_none() {
                out.push(Diag::new(
                    "KS039",
                    image_node.pos(),
                    format!("{who} image `{image}` is not pinned by digest"),
                ));
            }
            if !policy.trusted_registries.is_empty() && !policy.registry_trusted(image) {
                out.push(Diag::new(
                    "KS041",
                    image_node.pos(),
                    format!("{who} image `{image}` is not from a trusted registry"),
                ));
            }
        }
        let pull = ct.get("imagePullPolicy");
        // A digest names one image, so no pull policy can run a stale or tampered copy of it (checkov agrees).
        if pull.and_then(Node::str) != Some("Always")
            && r.digest.is_none()
            && !(pull.is_none() && matches!(r.tag, None | Some("latest")))
        {
            out.push(Diag::new(
                "KS040",
                pull.map_or(image_node.pos(), Node::pos),
                format!("{who} imagePullPolicy is not Always"),
            ));
        }
    }
    // Resources.
    if !ephemeral {
        let res = ct.get("resources");
        for (kind, res_name, rule) in [
            ("requests", "cpu", "KS030"),
            ("requests", "memory", "KS031"),
            ("limits", "cpu", "KS032"),
            ("limits", "memory", "KS033"),
        ] {
            // An unset request defaults to the limit, so a limit alone is enough for the scheduler.
            let set = res.and_then(|r| r.path(&[kind, res_name])).is_some()
                || (kind == "requests" && res.and_then(|r| r.path(&["limits", res_name])).is_some());
            if !set {
                out.push(Diag::new(rule, res.map_or(at, Node::pos), format!("{who} has no {res_name} {kind}")));
            }
        }
    }
    // Env.
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    for e in ct.get("env").map(Node::seq).unwrap_or(&[]) {
        let Some(name) = e.get("name").and_then(Node::str) else { continue };
        if let Some(first) = seen.insert(name.to_string(), e.line) {
            out.push(Diag::new("KS048", e.pos(), format!("{who} sets env `{name}` twice (first at line {first})")));
        }
        if let Some(r) = e.path(&["valueFrom", "secretKeyRef"]) {
            out.push(Diag::new("KS046", r.pos(), format!("{who} reads secret into env `{name}`; mount it as a file")));
        }
        if let Some(v) = e.get("value").and_then(Node::str)
            && !v.is_empty()
            && crate::secret::is_secret_name(name)
            && !v.starts_with('$')
        {
            let message = format!("{who} has a literal secret-looking value in env `{name}`");
            out.push(Diag::new("KS047", e.pos(), message).flagging(v));
        }
    }
    // `envFrom: [{secretRef: ...}]` puts every key of the Secret into the environment at once.
    for r in ct.get("envFrom").map(Node::seq).unwrap_or(&[]).iter().filter_map(|e| e.get("secretRef")) {
        let secret = r.get("name").and_then(Node::str).unwrap_or("");
        out.push(Diag::new(
            "KS046",
            r.pos(),
            format!("{who} reads secret `{secret}` into its env; mount it as a file"),
        ));
    }
    // Probes.
    // Run-to-completion pods (Jobs, CronJobs) are not probed for liveness or readiness.
    let long_running = !matches!(c.kind, "Job" | "CronJob");
    if !is_init && long_running {
        let live = ct.get("livenessProbe");
        let ready = ct.get("readinessProbe");
        if live.is_none() {
            out.push(Diag::new("KS034", at, format!("{who} has no livenessProbe")));
        }
        if ready.is_none() {
            out.push(Diag::new("KS035", at, format!("{who} has no readinessProbe")));
        }
        if let (Some(l), Some(r)) = (live, ready)
            && strip_positions(l) == strip_positions(r)
        {
            out.push(Diag::new("KS036", l.pos(), format!("{who} has identical liveness and readiness probes")));
        }
        let names: Vec<&str> = ports.iter().filter_map(|p| p.get("name").and_then(Node::str)).collect();
        let numbers: Vec<i64> = ports.iter().filter_map(|p| p.get("containerPort").and_then(Node::as_i64)).collect();
        for probe in [live, ready, ct.get("startupProbe")].into_iter().flatten() {
            for handler in ["httpGet", "tcpSocket", "grpc"] {
                let Some(port) = probe.path(&[handler, "port"]) else { continue };
                let bad = match port.as_i64() {
                    Some(n) => !numbers.is_empty() && !numbers.contains(&n),
                    None => port.str().is_some_and(|s| !names.contains(&s)),
                };
                if bad {
                    out.push(Diag::new(
                        "KS037",
                        port.pos(),
                        format!(
                            "{who} probes port `{}`, which is not a port of the container",
                            port.str().unwrap_or("")
                        ),
                    ));
                }
            }
        }
    }
    // Probe and hook hosts are judged on every container, init and ephemeral ones and those of Jobs included.
    let host = |n: &Node, keys: &[&str]| n.path(keys).filter(|h| h.str().is_some_and(|s| !s.is_empty())).map(Node::pos);
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"].into_iter().filter_map(|p| ct.get(p)) {
        for handler in ["httpGet", "tcpSocket"] {
            if let Some(pos) = host(probe, &[handler, "host"]) {
                out.push(Diag::new("KS026", pos, format!("{who} probe sets `host`, letting it reach other hosts")));
            }
        }
    }
    for hook in ["postStart", "preStop"] {
        for handler in ["httpGet", "tcpSocket"] {
            if let Some(pos) = host(ct, &["lifecycle", hook, handler, "host"]) {
                out.push(Diag::new("KS026", pos, format!("{who} {hook} hook sets `host`")));
            }
        }
    }
}

/// The AppArmor profile types PSS baseline allows; unset is allowed too.
fn apparmor_type_allowed(t: Option<&str>) -> bool {
    matches!(t, None | Some("RuntimeDefault" | "Localhost"))
}

/// A Kubernetes label value: at most 63 characters, alphanumerics with `-`, `_`, `.` inside.
fn label_value_valid(v: &str) -> bool {
    v.is_empty()
        || (v.len() <= 63
            && v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && v.starts_with(|c: char| c.is_ascii_alphanumeric())
            && v.ends_with(|c: char| c.is_ascii_alphanumeric()))
}

fn annotation_to_type(v: &str) -> &'static str {
    match v {
        "runtime/default" | "docker/default" => "RuntimeDefault",
        "unconfined" => "Unconfined",
        v if v.starts_with("localhost/") => "Localhost",
        _ => "",
    }
}

/// A node's content without positions, to compare two probes.
fn strip_positions(n: &Node) -> String {
    match &n.value {
        yaml::Value::Scalar { text, .. } => text.clone(),
        yaml::Value::Seq(items) => format!("[{}]", items.iter().map(strip_positions).collect::<Vec<_>>().join(",")),
        yaml::Value::Map(entries) => {
            let mut parts: Vec<String> =
                entries.iter().map(|(k, v)| format!("{}:{}", strip_positions(k), strip_positions(v))).collect();
            parts.sort();
            format!("{{{}}}", parts.join(","))
        }
    }
}

fn check_rules(c: &Ctx<'_>, root: &Node, out: &mut Vec<Diag>) {
    for rule in root.get("rules").map(Node::seq).unwrap_or(&[]) {
        let strs = |k: &str| -> Vec<String> {
            rule.get(k).map(Node::seq).unwrap_or(&[]).iter().filter_map(|n| n.str().map(str::to_string)).collect()
        };
        let (groups, resources, verbs) = (strs("apiGroups"), strs("resources"), strs("verbs"));
        if groups.iter().chain(&resources).chain(&verbs).any(|s| s == "*") {
            out.push(Diag::new(
                "KS062",
                rule.pos(),
                format!("{} grants `*` in apiGroups, resources or verbs", c.label()),
            ));
        }
        let reads = verbs.iter().any(|v| matches!(v.as_str(), "get" | "list" | "watch" | "*"));
        if reads && resources.iter().any(|r| r == "secrets") {
            out.push(Diag::new("KS064", rule.pos(), format!("{} can read Secrets", c.label())));
        }
        let creates = verbs.iter().any(|v| matches!(v.as_str(), "create" | "*"));
        if creates && resources.iter().any(|r| matches!(r.as_str(), "pods" | "pods/exec" | "pods/attach"))
            || resources.iter().any(|r| r == "pods/exec" || r == "pods/attach")
        {
            out.push(Diag::new("KS065", rule.pos(), format!("{} can create pods or exec into them", c.label())));
        }
        let has = |list: &[String], names: &[&str]| list.iter().any(|x| x == "*" || names.contains(&x.as_str()));
        if let Some(v) = verbs.iter().find(|v| matches!(v.as_str(), "impersonate" | "bind" | "escalate")) {
            out.push(Diag::new("KS090", rule.pos(), format!("{} grants `{v}`, a path to more privileges", c.label())));
        } else if verbs.iter().any(|v| v == "*")
            && has(&groups, &["rbac.authorization.k8s.io"])
            && has(&resources, &["roles", "clusterroles", "rolebindings", "clusterrolebindings"])
        {
            // `*` on RBAC objects includes `bind` and `escalate` (checkov's CKV_K8S_157 and CKV_K8S_158 agree).
            out.push(Diag::new(
                "KS090",
                rule.pos(),
                format!("{} grants every verb on RBAC objects, `bind` and `escalate` included", c.label()),
            ));
        }
        // Webhook configurations are cluster-scoped, so only a ClusterRole can grant them (as checkov checks).
        if c.kind == "ClusterRole"
            && has(&groups, &["admissionregistration.k8s.io"])
            && has(&resources, &["mutatingwebhookconfigurations", "validatingwebhookconfigurations"])
            && has(&verbs, &["create", "update", "patch", "delete", "deletecollection"])
        {
            out.push(Diag::new(
                "KS097",
                rule.pos(),
                format!("{} can change admission webhook configurations", c.label()),
            ));
        }
        if has(&groups, &[""]) && resources.iter().any(|r| r == "nodes/proxy" || r == "*") && !verbs.is_empty() {
            out.push(Diag::new(
                "KS099",
                rule.pos(),
                format!("{} can reach the kubelet API through nodes/proxy", c.label()),
            ));
        }
    }
    // Approving a CSR takes both `update` on certificatesigningrequests/approval and `approve` on a signer.
    let rules = root.get("rules").map(Node::seq).unwrap_or(&[]);
    let grants = |resource: &str, verbs: &[&str]| {
        rules.iter().find(|r| {
            let list = |k: &str| -> Vec<&str> {
                r.get(k).map(Node::seq).unwrap_or(&[]).iter().filter_map(Node::str).collect()
            };
            list("apiGroups").iter().any(|g| *g == "*" || *g == "certificates.k8s.io")
                && list("resources").iter().any(|x| *x == "*" || *x == resource)
                && list("verbs").iter().any(|v| *v == "*" || verbs.contains(v))
        })
    };
    if c.kind == "ClusterRole"
        && let Some(approval) = grants("certificatesigningrequests/approval", &["update", "patch"])
        && grants("signers", &["approve"]).is_some()
    {
        out.push(Diag::new(
            "KS098",
            approval.pos(),
            format!("{} can approve CertificateSigningRequests: it can mint cluster credentials", c.label()),
        ));
    }
}

/// Tiller (Helm 2), the Kubernetes dashboard and git-sync with a custom git config, recognised by image (and, for
/// Tiller's Service, by the labels Helm 2 gave it).
fn check_known_components(c: &Ctx<'_>, spec: &Node, out: &mut Vec<Diag>) {
    for group in ["containers", "initContainers"] {
        for ct in spec.get(group).map(Node::seq).unwrap_or(&[]) {
            let Some(image) = ct.get("image") else { continue };
            let repo = split_image(image.str().unwrap_or("")).name;
            let last = repo.rsplit('/').next().unwrap_or("");
            if last == "tiller" {
                out.push(Diag::new("KS100", image.pos(), format!("{} runs Tiller (Helm 2)", c.label())));
            }
            if last == "kubernetes-dashboard" || repo.ends_with("kubernetesui/dashboard") {
                out.push(Diag::new("KS101", image.pos(), format!("{} runs the Kubernetes dashboard", c.label())));
            }
            if last == "git-sync" {
                let env_config = ct.get("env").map(Node::seq).unwrap_or(&[]).iter().find(|e| {
                    matches!(e.get("name").and_then(Node::str), Some("GITSYNC_GIT_CONFIG" | "GIT_SYNC_GIT_CONFIG"))
                });
                let arg_config = ["args", "command"]
                    .iter()
                    .flat_map(|k| ct.get(k).map(Node::seq).unwrap_or(&[]))
                    .find(|a| a.str().is_some_and(|a| a.starts_with("--git-config")));
                if let Some(n) = env_config.or(arg_config) {
                    out.push(Diag::new(
                        "KS102",
                        n.pos(),
                        format!("{} passes a custom git config to git-sync: it can run arbitrary commands", c.label()),
                    ));
                }
            }
        }
    }
}

/// The name nodes of ConfigMaps or Secrets a pod spec uses, in volumes, envFrom and env, unless marked optional.
fn referenced<'n>(spec: &'n Node, kind: &str) -> Vec<&'n Node> {
    let (volume_key, volume_name, env_from_key, key_ref) = if kind == "ConfigMap" {
        ("configMap", "name", "configMapRef", "configMapKeyRef")
    } else {
        ("secret", "secretName", "secretRef", "secretKeyRef")
    };
    let optional = |n: &Node| n.get("optional").and_then(Node::as_bool) == Some(true);
    let mut out = Vec::new();
    for v in spec.get("volumes").map(Node::seq).unwrap_or(&[]) {
        if let Some(src) = v.get(volume_key).filter(|s| !optional(s))
            && let Some(n) = src.get(volume_name)
        {
            out.push(n);
        }
    }
    for group in ["containers", "initContainers"] {
        for ct in spec.get(group).map(Node::seq).unwrap_or(&[]) {
            for e in ct.get("envFrom").map(Node::seq).unwrap_or(&[]) {
                if let Some(r) = e.get(env_from_key).filter(|r| !optional(r))
                    && let Some(n) = r.get("name")
                {
                    out.push(n);
                }
            }
            for e in ct.get("env").map(Node::seq).unwrap_or(&[]) {
                if let Some(r) = e.path(&["valueFrom", key_ref]).filter(|r| !optional(r))
                    && let Some(n) = r.get("name")
                {
                    out.push(n);
                }
            }
        }
    }
    out
}

fn selects(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// Relations between objects, across all the files of a run. Objects that point at pods only report a dangling
/// selector when the run contains at least one workload, so that linting a lone Service file stays quiet.
pub fn check_relations(objects: &[Object], _policy: &Policy) -> Vec<(String, Diag)> {
    let mut out = Vec::new();
    check_service_monitors(objects, &mut out);
    let pods: Vec<(&Object, BTreeMap<String, String>)> =
        objects.iter().filter_map(|o| Some((o, o.pod_labels()?))).collect();
    if pods.is_empty() {
        return out;
    }
    let same_ns = |a: &Object, b: &Object| a.namespace == b.namespace || a.namespace.is_none() || b.namespace.is_none();
    for o in objects {
        let at = o.root.key("kind").map_or(o.root.pos(), Node::pos);
        let label = format!("{} `{}`", o.kind, o.name);
        match o.kind.as_str() {
            "Service" => {
                let Some(sel_node) = o.root.path(&["spec", "selector"]) else { continue };
                let sel = string_map(Some(sel_node));
                if sel.is_empty() {
                    continue;
                }
                let targets: Vec<&Object> =
                    pods.iter().filter(|(p, l)| same_ns(o, p) && selects(&sel, l)).map(|(p, _)| *p).collect();
                if targets.is_empty() {
                    out.push((
                        o.file.clone(),
                        Diag::new("KS049", sel_node.pos(), format!("{label} selects no pod in these manifests")),
                    ));
                    continue;
                }
                for port in o.root.path(&["spec", "ports"]).map(Node::seq).unwrap_or(&[]) {
                    let Some(tp) = port.get("targetPort").or_else(|| port.get("port")) else { continue };
                    let ok = targets.iter().any(|t| {
                        let containers = t.pod_spec().and_then(|s| s.get("containers")).map(Node::seq).unwrap_or(&[]);
                        let ports: Vec<&Node> =
                            containers.iter().flat_map(|c| c.get("ports").map(Node::seq).unwrap_or(&[])).collect();
                        match tp.as_i64() {
                            Some(n) => {
                                ports.is_empty()
                                    || ports.iter().any(|p| p.get("containerPort").and_then(Node::as_i64) == Some(n))
                            }
                            None => ports.iter().any(|p| p.get("name").and_then(Node::str) == tp.str()),
                        }
                    });
                    if !ok {
                        out.push((
                            o.file.clone(),
                            Diag::new(
                                "KS050",
                                tp.pos(),
                                format!(
                                    "{label} targets port `{}`, which no selected container exposes",
                                    tp.str().unwrap_or("")
                                ),
                            ),
                        ));
                    }
                }
            }
            "PodDisruptionBudget" | "NetworkPolicy" => {
                let (path, rule): (&[&str], _) = if o.kind == "NetworkPolicy" {
                    (&["spec", "podSelector"], "KS054")
                } else {
                    (&["spec", "selector"], "KS053")
                };
                let Some(sel_node) = o.root.path(path) else { continue };
                let sel = string_map(sel_node.get("matchLabels"));
                if sel.is_empty() {
                    continue;
                }
                if !pods.iter().any(|(p, l)| same_ns(o, p) && selects(&sel, l)) {
                    out.push((
                        o.file.clone(),
                        Diag::new(rule, sel_node.pos(), format!("{label} selects no pod in these manifests")),
                    ));
                }
            }
            "Ingress" if objects.iter().any(|t| t.kind == "Service") => {
                let mut backends: Vec<&Node> = Vec::new();
                if let Some(d) = o.root.path(&["spec", "defaultBackend", "service", "name"]) {
                    backends.push(d);
                }
                for rule in o.root.path(&["spec", "rules"]).map(Node::seq).unwrap_or(&[]) {
                    for p in rule.path(&["http", "paths"]).map(Node::seq).unwrap_or(&[]) {
                        if let Some(n) = p.path(&["backend", "service", "name"]) {
                            backends.push(n);
                        }
                    }
                }
                for b in backends {
                    let name = b.str().unwrap_or("");
                    if !objects.iter().any(|t| t.kind == "Service" && t.name == name && same_ns(o, t)) {
                        out.push((
                            o.file.clone(),
                            Diag::new(
                                "KS070",
                                b.pos(),
                                format!("{label} routes to Service `{name}`, which is not in these manifests"),
                            ),
                        ));
                    }
                }
            }
            "StatefulSet" if objects.iter().any(|t| t.kind == "Service") => {
                if let Some(sn) = o.root.path(&["spec", "serviceName"]) {
                    let name = sn.str().unwrap_or("");
                    let headless = objects.iter().any(|t| {
                        t.kind == "Service"
                            && t.name == name
                            && t.root.path(&["spec", "clusterIP"]).and_then(Node::str) == Some("None")
                    });
                    if !headless {
                        out.push((
                            o.file.clone(),
                            Diag::new(
                                "KS071",
                                sn.pos(),
                                format!("{label} serviceName `{name}` is not a headless Service in these manifests"),
                            ),
                        ));
                    }
                }
            }
            "Namespace" => {
                let ns = Some(o.name.clone());
                for (kind, rule) in [("LimitRange", "KS083"), ("ResourceQuota", "KS084")] {
                    if !objects.iter().any(|t| t.kind == kind && t.namespace == ns) {
                        out.push((o.file.clone(), Diag::new(rule, at, format!("{label} has no {kind}"))));
                    }
                }
            }
            "HorizontalPodAutoscaler" => {
                let Some(target) = o.root.path(&["spec", "scaleTargetRef"]) else { continue };
                let kind = target.get("kind").and_then(Node::str).unwrap_or("");
                let name = target.get("name").and_then(Node::str).unwrap_or("");
                let scaled = objects.iter().find(|t| t.kind == kind && t.name == name && same_ns(o, t));
                // Judged only when these manifests hold workloads of that kind: an HPA shipped alone targets
                // something deployed elsewhere.
                if scaled.is_none() && objects.iter().any(|t| t.kind == kind) {
                    let at = target.get("name").map_or(target.pos(), Node::pos);
                    out.push((
                        o.file.clone(),
                        Diag::new(
                            "KS110",
                            at,
                            format!("{label} scales {kind} `{name}`, which is not in these manifests"),
                        ),
                    ));
                }
                if let Some(r) = scaled.and_then(|t| t.root.path(&["spec", "replicas"])) {
                    let t = scaled.expect("found");
                    out.push((
                        t.file.clone(),
                        Diag::new(
                            "KS073",
                            r.pos(),
                            format!(
                                "{} `{}` sets replicas although {label} scales it: every apply resets the scale",
                                t.kind, t.name
                            ),
                        ),
                    ));
                }
                if scaled.is_none() {
                    out.push((
                        o.file.clone(),
                        Diag::new(
                            "KS052",
                            target.pos(),
                            format!("{label} scales {kind} `{name}`, which is not in these manifests"),
                        ),
                    ));
                }
            }
            _ => {}
        }
        let _ = at;
    }
    let has = |kind: &str| objects.iter().any(|o| o.kind == kind);
    for (p, labels) in &pods {
        let Some(spec) = p.pod_spec() else { continue };
        let at = p.root.key("kind").map_or(p.root.pos(), Node::pos);
        // A named service account that the manifests should define (only when they define any).
        if has("ServiceAccount")
            && let Some(sa) = spec.get("serviceAccountName").filter(|n| n.str().is_some_and(|s| s != "default"))
        {
            let name = sa.str().unwrap_or("");
            if !objects.iter().any(|o| o.kind == "ServiceAccount" && o.name == name && same_ns(p, o)) {
                out.push((
                    p.file.clone(),
                    Diag::new(
                        "KS086",
                        sa.pos(),
                        format!(
                            "{} `{}` uses service account `{name}`, which is not in these manifests",
                            p.kind, p.name
                        ),
                    ),
                ));
            }
        }
        // Pods that no NetworkPolicy of these manifests selects (as checkov's CKV2_K8S_6 and kube-linter's
        // non-isolated-pod see it): without one, any pod in the cluster can reach them.
        let isolated = objects.iter().filter(|o| o.kind == "NetworkPolicy" && same_ns(p, o)).any(|np| {
            let sel = string_map(np.root.path(&["spec", "podSelector", "matchLabels"]));
            selects(&sel, labels)
        });
        if !isolated {
            out.push((
                p.file.clone(),
                Diag::new("KS088", at, format!("{} `{}` is selected by no NetworkPolicy", p.kind, p.name)),
            ));
        }
        // ConfigMaps and Secrets referenced by the pod that the manifests should define.
        for (kind, rule) in [("ConfigMap", "KS087"), ("Secret", "KS087")] {
            if !has(kind) {
                continue;
            }
            for name_node in referenced(spec, kind) {
                let name = name_node.str().unwrap_or("");
                if !objects.iter().any(|o| o.kind == kind && o.name == name && same_ns(p, o)) {
                    out.push((
                        p.file.clone(),
                        Diag::new(
                            rule,
                            name_node.pos(),
                            format!("{} `{}` uses {kind} `{name}`, which is not in these manifests", p.kind, p.name),
                        ),
                    ));
                }
            }
        }
    }
    // Workloads with more than one replica and no PodDisruptionBudget selecting them.
    let pdbs: Vec<(&Object, BTreeMap<String, String>)> = objects
        .iter()
        .filter(|o| o.kind == "PodDisruptionBudget")
        .map(|o| (o, string_map(o.root.path(&["spec", "selector", "matchLabels"]))))
        .collect();
    for (p, labels) in &pods {
        let replicas = p.root.path(&["spec", "replicas"]).and_then(Node::as_i64).unwrap_or(1);
        if !matches!(p.kind.as_str(), "Deployment" | "StatefulSet") || replicas < 2 {
            continue;
        }
        if !pdbs.iter().any(|(b, sel)| same_ns(p, b) && !sel.is_empty() && selects(sel, labels)) {
            let at = p.root.key("kind").map_or(p.root.pos(), Node::pos);
            out.push((
                p.file.clone(),
                Diag::new("KS076", at, format!("{} `{}` has no PodDisruptionBudget", p.kind, p.name)),
            ));
        }
    }
    // A PDB whose minAvailable is not below the pods it selects (each workload counted at its floor: the HPA's
    // minReplicas when one scales it, else spec.replicas) allows no eviction at that scale, as kube-linter's
    // pdb-min-available and Polaris' pdbMinAvailableGreaterThanHPAMinReplicas say. Percentages scale with the
    // replicas; DaemonSets and Jobs have no fixed count, so a PDB selecting one is not judged.
    for (b, sel) in &pdbs {
        let Some(min) = b.root.path(&["spec", "minAvailable"]).filter(|m| m.as_i64().is_some()) else { continue };
        let min_available = min.as_i64().unwrap_or(0);
        let selected: Vec<&Object> = pods
            .iter()
            .filter(|(p, labels)| !sel.is_empty() && same_ns(p, b) && selects(sel, labels))
            .map(|(p, _)| *p)
            .collect();
        if selected.is_empty() || selected.iter().any(|p| matches!(p.kind.as_str(), "DaemonSet" | "Job" | "CronJob")) {
            continue;
        }
        let mut total = 0;
        let mut sources = Vec::new();
        for p in &selected {
            let hpa = objects.iter().find(|h| {
                h.kind == "HorizontalPodAutoscaler"
                    && same_ns(h, p)
                    && h.root.path(&["spec", "scaleTargetRef", "kind"]).and_then(Node::str) == Some(p.kind.as_str())
                    && h.root.path(&["spec", "scaleTargetRef", "name"]).and_then(Node::str) == Some(p.name.as_str())
            });
            let (floor, source) = match hpa {
                Some(h) => {
                    let n = h.root.path(&["spec", "minReplicas"]).and_then(Node::as_i64).unwrap_or(1);
                    (n, format!("HorizontalPodAutoscaler `{}` minReplicas {n}", h.name))
                }
                None if p.kind == "Pod" => (1, format!("Pod `{}`", p.name)),
                None => {
                    let n = p.root.path(&["spec", "replicas"]).and_then(Node::as_i64).unwrap_or(1);
                    (n, format!("{} `{}` replicas {n}", p.kind, p.name))
                }
            };
            total += floor;
            sources.push(source);
        }
        if min_available >= total {
            out.push((
                b.file.clone(),
                Diag::new(
                    "KS096",
                    min.pos(),
                    format!(
                        "PodDisruptionBudget `{}` minAvailable {min_available} is not below the {total} {} it can count on ({}): no pod can be evicted at that scale",
                        b.name,
                        if total == 1 { "pod" } else { "pods" },
                        sources.join(", ")
                    ),
                ),
            ));
        }
    }
    out
}

/// ServiceMonitors (Prometheus operator) must select a Service of the manifests and name one of its ports.
/// Checked only when the run has Services, so that a lone ServiceMonitor file stays quiet.
fn check_service_monitors(objects: &[Object], out: &mut Vec<(String, Diag)>) {
    if !objects.iter().any(|o| o.kind == "Service") {
        return;
    }
    for m in objects.iter().filter(|o| o.kind == "ServiceMonitor") {
        let Some(sel_node) = m.root.path(&["spec", "selector"]) else { continue };
        let sel = string_map(sel_node.get("matchLabels"));
        if sel.is_empty() {
            continue;
        }
        let any_ns = m.root.path(&["spec", "namespaceSelector", "any"]).and_then(Node::as_bool) == Some(true);
        let names: Vec<&str> = m
            .root
            .path(&["spec", "namespaceSelector", "matchNames"])
            .map(Node::seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::str)
            .collect();
        let in_scope = |s: &Object| {
            any_ns
                || match (&s.namespace, names.is_empty()) {
                    (_, true) => s.namespace == m.namespace || s.namespace.is_none() || m.namespace.is_none(),
                    (Some(ns), false) => names.contains(&ns.as_str()),
                    (None, false) => true,
                }
        };
        let services: Vec<&Object> = objects
            .iter()
            .filter(|s| s.kind == "Service" && in_scope(s))
            .filter(|s| selects(&sel, &string_map(s.root.path(&["metadata", "labels"]))))
            .collect();
        let label = format!("ServiceMonitor `{}`", m.name);
        if services.is_empty() {
            out.push((
                m.file.clone(),
                Diag::new("KS103", sel_node.pos(), format!("{label} selects no Service in these manifests")),
            ));
            continue;
        }
        for ep in m.root.path(&["spec", "endpoints"]).map(Node::seq).unwrap_or(&[]) {
            let Some(port) = ep.get("port") else { continue };
            let name = port.str().unwrap_or("");
            let named = services.iter().any(|s| {
                s.root
                    .path(&["spec", "ports"])
                    .map(Node::seq)
                    .unwrap_or(&[])
                    .iter()
                    .any(|p| p.get("name").and_then(Node::str) == Some(name))
            });
            if !named {
                out.push((
                    m.file.clone(),
                    Diag::new(
                        "KS104",
                        port.pos(),
                        format!("{label} scrapes port `{name}`, which no selected Service names"),
                    ),
                ));
            }
        }
    }
}
