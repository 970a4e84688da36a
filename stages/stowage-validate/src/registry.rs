//! The one place that declares every rule: code, target, severity, rationale, fix, references and peer IDs.
//!
//! Codes are stable: a rule that is retired keeps its code reserved, and a new rule takes the next free number.
//! The docs under `docs/rules/` and `stowage-validate explain` are generated from this table.

use stowage_kit::Severity;

/// What kind of file a rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// Findings about any file: unreadable, malformed, bad ignore comments.
    General,
    Dockerfile,
    Compose,
    Kubernetes,
    Helm,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::General => "general",
            Target::Dockerfile => "Dockerfile",
            Target::Compose => "compose",
            Target::Kubernetes => "Kubernetes",
            Target::Helm => "Helm chart",
        }
    }
}

/// One rule. The peer ID fields are comma-separated lists, empty when no peer has the check.
#[derive(Debug)]
pub struct Rule {
    pub code: &'static str,
    pub target: Target,
    /// The row of the merged check list (validation research, section 13) this rule implements, e.g. `D02`.
    pub row: &'static str,
    pub severity: Severity,
    /// Off unless a policy enables it (rules that need configuration, or that most teams disagree with).
    pub default_enabled: bool,
    /// Names the bad pattern, as a finding would.
    pub title: &'static str,
    pub rationale: &'static str,
    pub fix: &'static str,
    pub references: &'static str,
    pub hadolint: &'static str,
    pub checkov: &'static str,
    pub kube_linter: &'static str,
    pub trivy: &'static str,
}

impl Rule {
    pub fn hadolint_ids(&self) -> impl Iterator<Item = &'static str> {
        split_ids(self.hadolint)
    }
    pub fn checkov_ids(&self) -> impl Iterator<Item = &'static str> {
        split_ids(self.checkov)
    }
}

fn split_ids(list: &'static str) -> impl Iterator<Item = &'static str> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Where a rule knowingly answers differently from a peer on the shared corpus, and whose answer is right.
/// Shown in the rule's doc page.
pub fn peer_notes(code: &str) -> &'static str {
    match code {
        "DF013" => {
            "hadolint's DL3057 is off in its default configuration, so its default run reports nothing; checkov's CKV_DOCKER_2 agrees with this rule on every corpus file."
        }
        "DF001" | "DF002" => {
            "checkov reports an untagged base image under CKV_DOCKER_7 (it reads it as `latest`); hadolint reports it as DL3006, like DF001. Both read FROM as written, and so do these rules: a reference with a variable in it is DF110's (no tag written) or DF111's (the ARG defaults pin no version). hadolint also reports placeholders that are no image reference at all (`FROM REPLACE-ME`, `FROM BASEIMAGE` in devcontainers' and rook's templates) as untagged; this linter reports them as invalid references (DF088), which is the real problem."
        }
        "DF054" => {
            "microdnf never asks for confirmation (its `-y` is accepted and does nothing), so `microdnf install` without `-y` is not reported; hadolint's DL3038 treats microdnf like dnf and reports it (docker-library's openjdk oraclelinux images in tests/corpus)."
        }
        "DF008" => {
            "A USER that is not a literal number is reported, a variable included; hadolint does not report `USER ${NB_UID}` when an ARG gives NB_UID a numeric default (jupyter's docker-stacks-foundation in tests/corpus), which is the better answer for the default build."
        }
        "DF039" => {
            "Where a Dockerfile does not parse (GN001: parse-dockerfile 0.1.9 rejects a heredoc followed by a redirection, `RUN cat <<EOF >> file`, in jupyter's oracledb recipe), nothing else in it is checked, and hadolint's findings there are missed."
        }
        "DF010" => {
            "Reports running sudo. checkov's CKV2_DOCKER_1 matches the word `sudo` anywhere in a RUN, so installing the sudo package (jupyter's docker-stacks-foundation) fails it too; that RUN runs no sudo."
        }
        "KS028" => {
            "`securityContext: {}` sets nothing and is reported like a missing one; checkov's YAML reader adds line markers to every mapping, so it reads the empty mapping as set (opentelemetry-collector's rendered DaemonSet in tests/corpus)."
        }
        "KS097" => {
            "`delete` on validating or mutating webhook configurations counts as control over them (removing one removes the admission control it enforces); checkov's CKV_K8S_155 counts only create, update and patch (longhorn's uninstall ClusterRole)."
        }
        "DF110" => {
            "checkov's CKV_DOCKER_7 fails a FROM whose text has no `:`, variables included, so `FROM ${BASE_IMAGE}` fails whatever the ARG's default is; hadolint skips references with variables. This rule follows checkov's reading: the tag is not written where the base image is named. When the default carries a tag (kubernetes-engine-samples' gke-ray train image), the build by default is pinned all the same, which the message says."
        }
        "DF112" => {
            "hadolint's DL3064 lists, applied to ARG and ENV names whatever their value; DF037 reports names whose value looks like a real secret."
        }
        "DF038" => {
            "checkov's CKV_DOCKER_5 counts update and install RUNs over the whole file (and any RUN containing the text `install` or `add` cancels an update), so it passes a lone `RUN apk update` followed by `RUN apk add` (kubernetes-engine-samples' t5-model-serving client-app), which this rule reports, and reports guestbook's php-redis for `RUN composer update`, which updates PHP dependencies rather than a package index and is not reported here. This rule's answers are the right ones on both files."
        }
        "DF043" => {
            "checkov's CKV_DOCKER_9 splits a RUN on `&&`, strips each part and then looks for ` apt ` with a space before it, so it misses `apt` at the start of a chained command: `&& apt update` in jessfraz/dockerfiles' cura image. hadolint (DL3027) and this rule report it, which is right."
        }
        "DF042" => {
            "`apt-get dist-clean` (also spelt `distclean`; apt 2.7 and later, Debian trixie) removes everything under /var/lib/apt/lists but the Release files, so this rule accepts it; hadolint 2.15.1 does not know the command and still reports DL3009 on the 21 RUNs of the docker-library php, python and ruby trixie images and nextcloud's image that end with it. Those reports are wrong: the lists are gone from the layer. Like hadolint, a RUN is reported only when it runs `update` (the command that writes the lists) in the final stage."
        }
        "DF019" | "DF081" => {
            "The script of an `ONBUILD RUN` is checked like any RUN's: it runs in every image built FROM this one, with that build's shell. hadolint checks ONBUILD bodies only for its package-manager rules, so it misses `cd` and a pipe without pipefail there (the meteor base image of kubernetes/examples in the shared corpus); this rule reports them."
        }
        "DF084" => {
            "Like hadolint, only two consecutive RUNs that each run a single command (no `&&`, `;` or pipe) are reported: chains are usually split on purpose, for layer caching."
        }
        "DF101" | "DF102" | "DF103" | "DF104" | "DF105" | "DF106" | "DF107" | "DF108" | "DF109" => {
            "A subset of ShellCheck, matched to hadolint's ShellCheck findings. Variables set by ARG or ENV, BuildKit's platform ARGs and variables only ever assigned a plain literal are not reported (as ShellCheck does with what hadolint tells it); Windows shells are skipped. hadolint shows at most one ShellCheck finding per RUN (the last one: they all get the instruction's position, and later ones replace earlier ones); this rule reports every occurrence at its own line and column, and the agreement figures compare the last one per RUN."
        }
        "DF057" => {
            "Specifiers with `<` or `>` count as pinned (as hadolint does); a `-r requirements.txt` install is not reported."
        }
        "DF062" => "`go get` without a version is reported too, as hadolint does; local packages (`./cmd/x`) are not.",
        "KS010" | "KS011" => {
            "checkov's CKV_K8S_25 reports any added capability. KS010 (restricted profile) and KS011 (baseline profile) together report every added capability but NET_BIND_SERVICE, which the Pod Security Standards restricted profile allows and Docker grants by default. On argocd-example-apps' sock-shop carts, orders and user Deployments, which drop ALL and add back only NET_BIND_SERVICE, checkov reports and these rules do not; the PSS answer is the right one."
        }
        "KS038" | "KS039" | "KS040" => {
            "A kustomize strategic-merge patch names a container without an image, since the image comes from the base (kubernetes-engine-samples' llm-serving-gemma `patch.yaml` overlays). checkov judges the image it does not see (no tag, no digest, no pull policy) and reports; this rule has no image to judge and stays silent, which is right: the base's image is where the finding belongs."
        }
        "KS003" => {
            "A `$patch: delete` directive (microservices-demo's delete-loadgenerator.patch.yaml) is a kustomize instruction to remove a Deployment, not a workload. checkov judges it as a pod with no securityContext and reports; this rule finds no pod in it and stays silent, which is right. checkov's CKV_K8S_23 and kube-linter accept a non-zero runAsUser in place of runAsNonRoot: true; the Pod Security Standards restricted profile does not, so this rule reports hubble-ui's containers (runAsUser 1000, no runAsNonRoot), which a restricted namespace would reject."
        }
        "KS006" | "KS018" | "KS027" | "KS043" => {
            "A `$patch: delete` directive (microservices-demo's delete-loadgenerator.patch.yaml) is a kustomize instruction to remove a Deployment, not a workload. checkov judges it as a pod with no securityContext and reports; this rule finds no pod in it and stays silent, which is right."
        }
        "KS030" | "KS031" => {
            "An unset request defaults to the limit, so a container with only limits has requests; checkov agrees for CPU. For memory, checkov leaves a container that sets `resources.limits` but no `resources.requests` UNKNOWN (neither passed nor failed), so the agreement figures count those as beyond its scope; this rule reports the missing memory request there (a CPU limit alone gives no memory request), which is right."
        }
        "KS042" => {
            "Custom resources are skipped (their scope is unknown without the CRD). checkov compares per object, and does not report some built-in kinds that also land in `default` (PersistentVolumeClaim, NetworkPolicy, HorizontalPodAutoscaler, PodDisruptionBudget, Endpoints, and the Gateway API's Gateway and HTTPRoute), nor any object of a file it loads nothing from (argocd-example-apps' guestbook-ui-svc.yaml, whose lines end in tabs, and the vllm-tpu llama3-70b manifest); this rule reports them, which is right."
        }
        "KS062" => {
            "checkov's CKV_K8S_49 looks only at the first entry of `rules`, so it passes the hubble-ui and prometheus-adapter ClusterRoles, whose `*` is in a later rule; this rule reports `*` in apiGroups, resources or verbs of any rule of a Role or ClusterRole, as kube-linter does, which is right."
        }
        "GN001" => {
            "Duplicate keys are reported as malformed: the YAML spec forbids them and kubectl rejects them. checkov silently skips such files."
        }
        _ => "",
    }
}

pub fn find(code: &str) -> Option<&'static Rule> {
    // Looked up for every finding, so index the table once.
    static INDEX: std::sync::OnceLock<std::collections::HashMap<&'static str, &'static Rule>> =
        std::sync::OnceLock::new();
    let index = INDEX.get_or_init(|| RULES.iter().map(|r| (r.code, r)).collect());
    index
        .get(code)
        .copied()
        .or_else(|| RULES.iter().find(|r| r.code.eq_ignore_ascii_case(code)))
        .or_else(|| crate::team::find(code).map(|t| &t.rule))
}

/// Rules mapped to a hadolint code (DLxxxx or SCxxxx), for `# hadolint ignore=` and the agreement measurement.
pub fn by_hadolint(id: &str) -> impl Iterator<Item = &'static Rule> + '_ {
    RULES.iter().filter(move |r| r.hadolint_ids().any(|h| h.eq_ignore_ascii_case(id)))
}

macro_rules! rules {
    ($( $code:literal $target:ident $row:literal $sev:ident $on:literal
        title $title:literal why $why:literal fix $fix:literal refs $refs:literal
        hadolint $hl:literal checkov $ck:literal kube_linter $kl:literal trivy $tv:literal ; )*) => {
        /// Every rule, sorted by code.
        pub static RULES: &[Rule] = &[$(Rule {
            code: $code, target: Target::$target, row: $row, severity: Severity::$sev, default_enabled: $on,
            title: $title, rationale: $why, fix: $fix, references: $refs,
            hadolint: $hl, checkov: $ck, kube_linter: $kl, trivy: $tv,
        }),*];
    };
}

rules! {
    // ---- General ----
    "GN001" General "-" Error true
        title "file cannot be parsed"
        why "A file that does not parse cannot be built or applied, and no other rule can check it."
        fix "Correct the syntax at the reported position."
        refs "" hadolint "DL1000" checkov "" kube_linter "" trivy "";
    "GN002" General "-" Error true
        title "file cannot be read"
        why "An unreadable file (permissions, not UTF-8) is not checked at all, so it must not pass silently."
        fix "Make the file readable and UTF-8 encoded, or exclude it from validation."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "GN003" General "-" Warning true
        title "ignore comment without a reason"
        why "An ignore that does not say why cannot be reviewed later; the reason is the audit trail."
        fix "Write the reason after the codes: `# stowage: ignore[DF002] pinned by digest in CI`."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "GN004" General "-" Warning true
        title "ignore comment names an unknown rule"
        why "A misspelt code silences nothing, so the finding it was meant for still fires, or a later rule is hidden."
        fix "Use a code listed by `stowage-validate explain` or in docs/rules/README.md."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";

    // ---- Dockerfile ----
    "DF001" Dockerfile "D01" Warning true
        title "base image has no explicit tag"
        why "Without a tag the builder pulls `latest`, so two builds of the same Dockerfile can use different bases."
        fix "Name a version tag (`python:3.12-slim`) or a digest (`python@sha256:...`)."
        refs "CIS Docker 4.7 (pinning)" hadolint "DL3006" checkov "CKV_DOCKER_7" kube_linter "" trivy "";
    "DF002" Dockerfile "D02" Warning true
        title "base image uses the `latest` tag"
        why "`latest` moves: rebuilds are not reproducible and an update can break or weaken the image unnoticed."
        fix "Pin a release tag, and better a digest."
        refs "CIS Docker 4.7" hadolint "DL3007" checkov "CKV_DOCKER_7" kube_linter "" trivy "DS-0001";
    "DF003" Dockerfile "D03" Info false
        title "base image is not pinned by digest"
        why "A tag can be re-pushed; only a digest names exactly one image."
        fix "Append the digest: `FROM python:3.12-slim@sha256:...` (tools such as Renovate keep it current)."
        refs "CIS Docker 4.5 (content trust)" hadolint "" checkov "" kube_linter "" trivy "";
    "DF004" Dockerfile "D04" Error true
        title "base image from a registry that is not trusted"
        why "Images from an unvetted registry bypass the organisation's supply-chain controls."
        fix "Use an image from one of the registries in the policy's `trusted_registries`, or add the registry there."
        refs "CIS Docker 4.2" hadolint "DL3026" checkov "" kube_linter "" trivy "";
    "DF005" Dockerfile "D04" Error true
        title "base image not in the allowed base images"
        why "A policy of allowed base images keeps patching and scanning to a known set."
        fix "Use an image listed in the policy's `allowed_base_images`, or extend the list."
        refs "CIS Docker 4.2" hadolint "" checkov "" kube_linter "" trivy "";
    "DF006" Dockerfile "D05" Warning true
        title "final USER is root"
        why "A container running as root turns any escape or file-write bug into root on the host's behalf."
        fix "End the final stage with `USER <uid>` of an unprivileged user."
        refs "CIS Docker 4.1; NSA/CISA 'non-root containers'" hadolint "DL3002" checkov "CKV_DOCKER_8" kube_linter "" trivy "DS-0002";
    "DF007" Dockerfile "D06" Warning true
        title "no USER instruction"
        why "Without USER the image runs as root unless every runtime remembers to override it."
        fix "Create an unprivileged user and switch to it with `USER` in the final stage."
        refs "CIS Docker 4.1" hadolint "" checkov "CKV_DOCKER_3" kube_linter "" trivy "";
    "DF008" Dockerfile "D07" Info true
        title "USER names a user instead of a numeric UID"
        why "Kubernetes' `runAsNonRoot` can only verify a numeric UID, and a name may not resolve on the host."
        fix "Use the numeric UID (and GID): `USER 10001:10001`."
        refs "PSS Restricted 'Running as Non-root'" hadolint "DL3066" checkov "" kube_linter "" trivy "";
    "DF009" Dockerfile "D08" Warning true
        title "useradd with a high UID and without `-l`"
        why "Without `-l`, useradd fills /var/log/lastlog sparsely up to the UID, which bloats the layer."
        fix "Add `-l` (`--no-log-init`) to useradd."
        refs "" hadolint "DL3046" checkov "" kube_linter "" trivy "";
    "DF010" Dockerfile "D09" Error true
        title "sudo used in RUN"
        why "sudo in a build is unpredictable (tty, environment) and leaves a privilege-escalation path in the image."
        fix "Switch USER for the commands that need root, or use gosu/su-exec in an entrypoint."
        refs "CIS Docker 4.1" hadolint "DL3004" checkov "CKV2_DOCKER_1" kube_linter "" trivy "DS-0010";
    "DF011" Dockerfile "D10" Error true
        title "ADD used to copy local files"
        why "ADD also fetches URLs and unpacks archives, so it can do more than the author meant; COPY does only copying."
        fix "Use COPY for files and folders; fetch remote files with curl and verify a checksum."
        refs "CIS Docker 4.9" hadolint "DL3020" checkov "CKV_DOCKER_4" kube_linter "" trivy "DS-0005";
    "DF012" Dockerfile "D10" Warning true
        title "ADD fetches a remote URL"
        why "ADD <url> downloads without verification and is not cached predictably."
        fix "Download with curl or wget in RUN and check the checksum, or use `ADD --checksum=sha256:...`."
        refs "CIS Docker 4.9" hadolint "" checkov "CKV_DOCKER_4" kube_linter "" trivy "DS-0005";
    "DF013" Dockerfile "D12" Warning true
        title "no HEALTHCHECK in the final stage"
        why "Without a health check the engine cannot tell a hung container from a working one."
        fix "Add `HEALTHCHECK CMD ...` (or `HEALTHCHECK NONE` if the orchestrator probes instead)."
        refs "CIS Docker 4.6" hadolint "DL3057" checkov "CKV_DOCKER_2" kube_linter "" trivy "DS-0026";
    "DF014" Dockerfile "D13" Error true
        title "more than one HEALTHCHECK in a stage"
        why "Only the last HEALTHCHECK takes effect; the others mislead the reader."
        fix "Keep one HEALTHCHECK per stage."
        refs "" hadolint "DL3012" checkov "" kube_linter "" trivy "DS-0023";
    "DF015" Dockerfile "D14" Warning true
        title "more than one CMD in a stage"
        why "Only the last CMD takes effect."
        fix "Keep one CMD per stage."
        refs "" hadolint "DL4003" checkov "" kube_linter "" trivy "DS-0016";
    "DF016" Dockerfile "D15" Error true
        title "more than one ENTRYPOINT in a stage"
        why "Only the last ENTRYPOINT takes effect."
        fix "Keep one ENTRYPOINT per stage."
        refs "" hadolint "DL4004" checkov "" kube_linter "" trivy "DS-0007";
    "DF017" Dockerfile "D16" Warning true
        title "CMD or ENTRYPOINT in shell form"
        why "Shell form runs under `/bin/sh -c`, so the process is not PID 1 and does not receive SIGTERM."
        fix "Use the JSON exec form: `CMD [\"app\", \"--port\", \"8080\"]`."
        refs "" hadolint "DL3025" checkov "" kube_linter "" trivy "";
    "DF018" Dockerfile "D17" Error true
        title "WORKDIR is a relative path"
        why "A relative WORKDIR depends on every earlier WORKDIR, which is easy to break when stages are edited."
        fix "Use an absolute path."
        refs "" hadolint "DL3000" checkov "CKV_DOCKER_10" kube_linter "" trivy "DS-0009";
    "DF019" Dockerfile "D18" Warning true
        title "`cd` in RUN instead of WORKDIR"
        why "`cd` lasts for one RUN only; WORKDIR states the directory for every later instruction."
        fix "Use WORKDIR to change directory."
        refs "" hadolint "DL3003" checkov "" kube_linter "" trivy "DS-0013";
    "DF020" Dockerfile "D19" Error true
        title "WORKDIR is a system directory"
        why "Working in /proc, /sys, /dev or /boot writes into kernel or boot interfaces."
        fix "Use an application directory such as /app."
        refs "" hadolint "" checkov "" kube_linter "" trivy "DS-0030";
    "DF021" Dockerfile "D20" Warning true
        title "VOLUME on a sensitive directory"
        why "A volume over /etc, /root, /var/run or similar shares sensitive state with the host or other containers."
        fix "Declare volumes only for application data directories."
        refs "CIS Docker 5.5" hadolint "" checkov "" kube_linter "" trivy "";
    "DF022" Dockerfile "D21" Warning true
        title "COPY to a relative destination without WORKDIR"
        why "The destination then depends on the base image's WORKDIR, which can change."
        fix "Set WORKDIR first, or use an absolute destination."
        refs "" hadolint "DL3045" checkov "" kube_linter "" trivy "";
    "DF023" Dockerfile "D22" Error true
        title "port 22 exposed"
        why "An SSH daemon in a container is an extra way in; use `docker exec` or `kubectl exec`."
        fix "Remove `EXPOSE 22` and the SSH server."
        refs "CIS Docker 5.7" hadolint "" checkov "CKV_DOCKER_1" kube_linter "ssh-port" trivy "DS-0004";
    "DF024" Dockerfile "D23" Error true
        title "EXPOSE port out of range"
        why "A port outside 0-65535 is invalid and the build or run fails."
        fix "Use a port between 0 and 65535."
        refs "" hadolint "DL3011" checkov "" kube_linter "" trivy "DS-0008";
    "DF025" Dockerfile "D24" Error true
        title "MAINTAINER is deprecated"
        why "MAINTAINER is deprecated; labels are the structured replacement."
        fix "Use `LABEL org.opencontainers.image.authors=\"...\"`."
        refs "" hadolint "DL4000" checkov "CKV_DOCKER_6" kube_linter "" trivy "DS-0022";
    "DF026" Dockerfile "D25" Error true
        title "stage name used twice"
        why "Duplicate stage names make `COPY --from` and `--target` ambiguous; BuildKit rejects them."
        fix "Give every stage a unique name."
        refs "" hadolint "DL3024" checkov "CKV_DOCKER_11" kube_linter "" trivy "DS-0012";
    "DF027" Dockerfile "D26" Warning true
        title "COPY --from names no earlier stage"
        why "A name that is no earlier stage is pulled as an image, which is rarely what was meant."
        fix "Name an earlier stage, or use a full image reference with a tag."
        refs "" hadolint "DL3022" checkov "" kube_linter "" trivy "DS-0006";
    "DF028" Dockerfile "D26" Error true
        title "COPY --from names its own stage"
        why "A stage cannot copy from itself; the build fails."
        fix "Copy from an earlier stage."
        refs "" hadolint "DL3023" checkov "" kube_linter "" trivy "DS-0006";
    "DF029" Dockerfile "D27" Error true
        title "COPY with several sources to a destination without a trailing `/`"
        why "With more than one source the destination must be a directory; the build fails otherwise."
        fix "End the destination with `/`."
        refs "" hadolint "DL3021" checkov "" kube_linter "" trivy "DS-0011";
    "DF030" Dockerfile "D28" Warning true
        title "stage name is a reserved word"
        why "Names such as `scratch` or `context` clash with builder keywords."
        fix "Rename the stage."
        refs "" hadolint "DL3063" checkov "" kube_linter "" trivy "";
    "DF031" Dockerfile "D28" Warning true
        title "COPY --from copies a whole filesystem"
        why "Copying `/` from a stage drags every file, including package caches and secrets, into the image."
        fix "Copy only the paths the final image needs."
        refs "" hadolint "DL3067" checkov "" kube_linter "" trivy "";
    "DF032" Dockerfile "D29" Warning true
        title "FROM --platform pins a fixed platform"
        why "A fixed platform breaks multi-platform builds and emulates silently on other hosts."
        fix "Drop `--platform`, or use `$BUILDPLATFORM` for build stages."
        refs "" hadolint "DL3029" checkov "" kube_linter "" trivy "";
    "DF033" Dockerfile "D29" Warning true
        title "FROM --platform=$TARGETPLATFORM is redundant"
        why "The target platform is already the default."
        fix "Remove the flag."
        refs "" hadolint "DL3065" checkov "" kube_linter "" trivy "";
    "DF034" Dockerfile "D30" Error true
        title "instruction before the first FROM"
        why "Only ARG and comments may precede the first FROM; anything else fails the build."
        fix "Move the instruction after FROM."
        refs "" hadolint "DL3061" checkov "" kube_linter "" trivy "";
    "DF035" Dockerfile "D30" Error true
        title "ONBUILD triggers FROM, ONBUILD or MAINTAINER"
        why "These instructions are not allowed inside ONBUILD."
        fix "Remove the nested instruction."
        refs "" hadolint "DL3043" checkov "" kube_linter "" trivy "";
    "DF036" Dockerfile "D30" Error true
        title "ENV refers to a variable it defines itself"
        why "In one ENV instruction, references see the old value, not the one being set, which surprises readers."
        fix "Split the ENV into two instructions."
        refs "" hadolint "DL3044" checkov "" kube_linter "" trivy "";
    "DF037" Dockerfile "D31" Warning true
        title "secret-looking value in ARG or ENV"
        why "ARG and ENV values are stored in the image history and metadata, readable by anyone with the image."
        fix "Use `RUN --mount=type=secret` or runtime secrets."
        refs "CIS Docker 4.10" hadolint "" checkov "" kube_linter "" trivy "DS-0031";
    "DF038" Dockerfile "D32" Warning true
        title "package index update in its own RUN"
        why "A cached `apt-get update` layer is reused by later builds, so installs use a stale index."
        fix "Run update and install in the same RUN: `apt-get update && apt-get install -y ...`."
        refs "CIS Docker 4.7" hadolint "" checkov "CKV_DOCKER_5" kube_linter "" trivy "DS-0017";
    "DF039" Dockerfile "D33" Warning true
        title "apt-get install without pinned versions"
        why "Unpinned packages change between builds."
        fix "Pin: `apt-get install -y curl=7.88.1-10+deb12u5`."
        refs "" hadolint "DL3008" checkov "" kube_linter "" trivy "";
    "DF040" Dockerfile "D34" Warning true
        title "apt-get install without `-y`"
        why "Without `-y` the build waits for a confirmation that never comes."
        fix "Add `-y`."
        refs "" hadolint "DL3014" checkov "" kube_linter "" trivy "DS-0021";
    "DF041" Dockerfile "D35" Info true
        title "apt-get install without `--no-install-recommends`"
        why "Recommended packages add size and attack surface."
        fix "Add `--no-install-recommends`."
        refs "CIS Docker 4.3" hadolint "DL3015" checkov "" kube_linter "" trivy "DS-0029";
    "DF042" Dockerfile "D36" Info true
        title "apt lists not removed in the RUN that ran apt-get update"
        why "`apt-get update` writes /var/lib/apt/lists; unless the same RUN removes them they stay in that layer: tens of megabytes of no use at run time (removing them in a later RUN does not shrink the image)."
        fix "End the RUN that runs `apt-get update` with `rm -rf /var/lib/apt/lists/*` (or `apt-get dist-clean` on apt 2.7 and later), or use a cache mount on /var/lib/apt."
        refs "" hadolint "DL3009" checkov "" kube_linter "" trivy "";
    "DF043" Dockerfile "D37" Warning true
        title "`apt` used instead of `apt-get`"
        why "apt's interface is for people and not stable for scripts."
        fix "Use apt-get or apt-cache."
        refs "" hadolint "DL3027" checkov "CKV_DOCKER_9" kube_linter "" trivy "";
    "DF044" Dockerfile "D38" Warning true
        title "zypper dist-upgrade"
        why "A distribution upgrade in a build changes the base unpredictably."
        fix "Use a newer base image instead."
        refs "" hadolint "DL3035" checkov "" kube_linter "" trivy "";
    "DF045" Dockerfile "D38" Warning true
        title "apt-get dist-upgrade"
        why "A distribution upgrade in a build changes the base unpredictably."
        fix "Use a newer base image instead."
        refs "" hadolint "" checkov "" kube_linter "" trivy "DS-0024";
    "DF046" Dockerfile "D39" Warning true
        title "apk add without pinned versions"
        why "Unpinned packages change between builds."
        fix "Pin: `apk add curl=8.5.0-r0`."
        refs "" hadolint "DL3018" checkov "" kube_linter "" trivy "DS-0025";
    "DF047" Dockerfile "D39" Info true
        title "apk add without `--no-cache`"
        why "The apk index stays in the layer."
        fix "Use `apk add --no-cache`."
        refs "" hadolint "DL3019" checkov "" kube_linter "" trivy "DS-0025";
    "DF048" Dockerfile "D40" Warning true
        title "yum install without `-y`"
        why "Without `-y` the build waits for a confirmation."
        fix "Add `-y`."
        refs "" hadolint "DL3030" checkov "" kube_linter "" trivy "DS-0015";
    "DF049" Dockerfile "D40" Warning true
        title "yum install without `yum clean all`"
        why "The yum cache stays in the layer."
        fix "End the RUN with `yum clean all`."
        refs "" hadolint "DL3032" checkov "" kube_linter "" trivy "DS-0015";
    "DF050" Dockerfile "D40" Warning true
        title "yum install without pinned versions"
        why "Unpinned packages change between builds."
        fix "Pin: `yum install -y curl-7.76.1`."
        refs "" hadolint "DL3033" checkov "" kube_linter "" trivy "";
    "DF051" Dockerfile "D40" Warning true
        title "zypper install without `-y`"
        why "Without `-n`/`-y` the build waits for a confirmation."
        fix "Add `-y` (or `--non-interactive`)."
        refs "" hadolint "DL3034" checkov "" kube_linter "" trivy "";
    "DF052" Dockerfile "D40" Warning true
        title "zypper install without `zypper clean`"
        why "The zypper cache stays in the layer."
        fix "End the RUN with `zypper clean`."
        refs "" hadolint "DL3036" checkov "" kube_linter "" trivy "";
    "DF053" Dockerfile "D40" Warning true
        title "zypper install without pinned versions"
        why "Unpinned packages change between builds."
        fix "Pin: `zypper install -y curl=7.79.1`."
        refs "" hadolint "DL3037" checkov "" kube_linter "" trivy "";
    "DF054" Dockerfile "D40" Warning true
        title "dnf install without `-y`"
        why "Without `-y` the build waits for a confirmation."
        fix "Add `-y`."
        refs "" hadolint "DL3038" checkov "" kube_linter "" trivy "DS-0019";
    "DF055" Dockerfile "D40" Warning true
        title "dnf install without `dnf clean all`"
        why "The dnf cache stays in the layer."
        fix "End the RUN with `dnf clean all`."
        refs "" hadolint "DL3040" checkov "" kube_linter "" trivy "DS-0019";
    "DF056" Dockerfile "D40" Warning true
        title "dnf install without pinned versions"
        why "Unpinned packages change between builds."
        fix "Pin: `dnf install -y curl-7.76.1`."
        refs "" hadolint "DL3041" checkov "" kube_linter "" trivy "";
    "DF057" Dockerfile "D41" Warning true
        title "pip install without pinned versions"
        why "Unpinned packages change between builds."
        fix "Pin (`pip install flask==3.0.0`) or install from a requirements or lock file."
        refs "" hadolint "DL3013" checkov "" kube_linter "" trivy "";
    "DF058" Dockerfile "D41" Warning true
        title "pip install without `--no-cache-dir`"
        why "pip's cache stays in the layer."
        fix "Add `--no-cache-dir` or set `PIP_NO_CACHE_DIR=1`."
        refs "" hadolint "DL3042" checkov "" kube_linter "" trivy "";
    "DF059" Dockerfile "D42" Warning true
        title "npm install of a package without a version"
        why "Unpinned packages change between builds."
        fix "Pin (`npm install express@4.19.2`) or use `npm ci` with a lock file."
        refs "" hadolint "DL3016" checkov "" kube_linter "" trivy "";
    "DF060" Dockerfile "D42" Info true
        title "yarn install without `yarn cache clean`"
        why "The yarn cache stays in the layer."
        fix "Add `yarn cache clean` in the same RUN, or use a cache mount."
        refs "" hadolint "DL3060" checkov "" kube_linter "" trivy "";
    "DF061" Dockerfile "D42" Warning true
        title "gem install without a version"
        why "Unpinned gems change between builds."
        fix "Pin: `gem install rake:13.1.0` or `-v 13.1.0`."
        refs "" hadolint "DL3028" checkov "" kube_linter "" trivy "";
    "DF062" Dockerfile "D42" Warning true
        title "go install without a version"
        why "`go install pkg` without `@version` resolves differently over time (or fails outside a module)."
        fix "Use `go install pkg@v1.2.3`."
        refs "" hadolint "DL3062" checkov "" kube_linter "" trivy "";
    "DF063" Dockerfile "D43" Error true
        title "curl with certificate validation disabled"
        why "`-k`/`--insecure` lets anyone on the path replace what is downloaded."
        fix "Remove the flag; install the right CA certificates instead."
        refs "CIS Docker 4.11" hadolint "" checkov "CKV2_DOCKER_2" kube_linter "" trivy "";
    "DF064" Dockerfile "D43" Error true
        title "wget with certificate validation disabled"
        why "`--no-check-certificate` lets anyone on the path replace what is downloaded."
        fix "Remove the flag; install the right CA certificates instead."
        refs "CIS Docker 4.11" hadolint "" checkov "CKV2_DOCKER_3" kube_linter "" trivy "";
    "DF065" Dockerfile "D43" Error true
        title "pip --trusted-host disables certificate validation"
        why "pip then accepts any certificate from that host."
        fix "Remove `--trusted-host`; configure the index's CA instead."
        refs "" hadolint "" checkov "CKV2_DOCKER_4" kube_linter "" trivy "";
    "DF066" Dockerfile "D43" Error true
        title "PYTHONHTTPSVERIFY=0 disables certificate validation"
        why "Every Python HTTPS client in the image then accepts any certificate."
        fix "Remove the variable."
        refs "" hadolint "" checkov "CKV2_DOCKER_5" kube_linter "" trivy "";
    "DF067" Dockerfile "D43" Error true
        title "NODE_TLS_REJECT_UNAUTHORIZED=0 disables certificate validation"
        why "Every Node.js TLS client in the image then accepts any certificate."
        fix "Remove the variable; set NODE_EXTRA_CA_CERTS for private CAs."
        refs "" hadolint "" checkov "CKV2_DOCKER_6" kube_linter "" trivy "";
    "DF068" Dockerfile "D44" Error true
        title "apk --allow-untrusted"
        why "Packages with missing or bad signatures are installed."
        fix "Remove the flag; add the repository key instead."
        refs "CIS Docker 4.11" hadolint "" checkov "CKV2_DOCKER_7" kube_linter "" trivy "";
    "DF069" Dockerfile "D44" Error true
        title "apt-get --allow-unauthenticated"
        why "Packages with missing or bad signatures are installed."
        fix "Remove the flag; add the repository key instead."
        refs "CIS Docker 4.11" hadolint "" checkov "CKV2_DOCKER_8" kube_linter "" trivy "";
    "DF070" Dockerfile "D44" Error true
        title "yum, dnf or tdnf --nogpgcheck"
        why "Packages with missing or bad signatures are installed."
        fix "Remove the flag; import the repository key instead."
        refs "CIS Docker 4.11" hadolint "" checkov "CKV2_DOCKER_9" kube_linter "" trivy "";
    "DF071" Dockerfile "D44" Error true
        title "rpm signature or digest checks disabled"
        why "`--nosignature`, `--nodigest`, `--noverify` or `--nofiledigest` install unverified packages."
        fix "Remove the flag; import the key with `rpm --import`."
        refs "CIS Docker 4.11" hadolint "" checkov "CKV2_DOCKER_10" kube_linter "" trivy "";
    "DF072" Dockerfile "D44" Error true
        title "apt-get --force-yes"
        why "`--force-yes` disables signature checks and allows downgrades."
        fix "Remove the flag."
        refs "CIS Docker 4.11" hadolint "" checkov "CKV2_DOCKER_11" kube_linter "" trivy "";
    "DF073" Dockerfile "D43" Error true
        title "NPM_CONFIG_STRICT_SSL=false disables certificate validation"
        why "npm then accepts any registry certificate."
        fix "Remove the variable; set `cafile` for private CAs."
        refs "" hadolint "" checkov "CKV2_DOCKER_12" kube_linter "" trivy "";
    "DF074" Dockerfile "D43" Error true
        title "npm or yarn strict-ssl set to false"
        why "The package manager then accepts any registry certificate."
        fix "Remove the `config set strict-ssl false`."
        refs "" hadolint "" checkov "CKV2_DOCKER_13" kube_linter "" trivy "";
    "DF075" Dockerfile "D43" Error true
        title "GIT_SSL_NO_VERIFY set"
        why "git then accepts any server certificate, whatever the value."
        fix "Remove the variable."
        refs "" hadolint "" checkov "CKV2_DOCKER_14" kube_linter "" trivy "";
    "DF076" Dockerfile "D43" Error true
        title "yum or dnf sslverify disabled"
        why "The package manager then accepts any repository certificate."
        fix "Remove `sslverify=0`/`false`."
        refs "" hadolint "" checkov "CKV2_DOCKER_15" kube_linter "" trivy "";
    "DF077" Dockerfile "D43" Error true
        title "PIP_TRUSTED_HOST disables certificate validation"
        why "pip then accepts any certificate from those hosts."
        fix "Remove the variable."
        refs "" hadolint "" checkov "CKV2_DOCKER_16" kube_linter "" trivy "";
    "DF078" Dockerfile "D45" Warning true
        title "chpasswd sets a password in the image"
        why "A password set at build time is in the image for anyone who pulls it."
        fix "Do not set passwords in images; use keys or runtime secrets."
        refs "CIS Docker 4.10" hadolint "" checkov "CKV2_DOCKER_17" kube_linter "" trivy "";
    "DF079" Dockerfile "D46" Warning true
        title "both wget and curl used"
        why "Two download tools where one would do add size."
        fix "Use one of them throughout."
        refs "" hadolint "DL4001" checkov "" kube_linter "" trivy "DS-0014";
    "DF080" Dockerfile "D46" Info true
        title "wget without `--progress`"
        why "wget's default progress bar floods build logs."
        fix "Add `--progress=dot:giga` (or `-q`)."
        refs "" hadolint "DL3047" checkov "" kube_linter "" trivy "";
    "DF081" Dockerfile "D46" Warning true
        title "pipe in RUN without `set -o pipefail`"
        why "The RUN succeeds when an earlier command in the pipe fails, e.g. a failed download piped to a shell."
        fix "Add `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before the RUN, or `set -o pipefail &&` in it."
        refs "" hadolint "DL4006" checkov "" kube_linter "" trivy "";
    "DF082" Dockerfile "D46" Warning true
        title "RUN replaces /bin/sh instead of using SHELL"
        why "Linking /bin/sh to another shell changes it for everything in the image."
        fix "Use the SHELL instruction."
        refs "" hadolint "DL4005" checkov "" kube_linter "" trivy "";
    "DF083" Dockerfile "D47" Info true
        title "command that makes no sense in a container"
        why "ssh, vim, shutdown, service, ps, free, top, kill, mount and ifconfig do nothing useful in a build."
        fix "Remove the command."
        refs "" hadolint "DL3001" checkov "" kube_linter "" trivy "";
    "DF084" Dockerfile "D47" Info true
        title "consecutive RUN instructions"
        why "Each RUN is a layer; consecutive ones can often be merged."
        fix "Join them with `&&`."
        refs "" hadolint "DL3059" checkov "" kube_linter "" trivy "";
    "DF085" Dockerfile "D48" Info true
        title "invalid label key"
        why "Label keys should be lowercase reverse-DNS names; others collide or are rejected by registries."
        fix "Use a key such as `org.opencontainers.image.source`."
        refs "" hadolint "DL3048" checkov "" kube_linter "" trivy "";
    "DF086" Dockerfile "D48" Info false
        title "required label missing"
        why "Labels listed in the policy's `required_labels` are what downstream tooling relies on."
        fix "Add the label with LABEL."
        refs "" hadolint "DL3049" checkov "" kube_linter "" trivy "";
    "DF087" Dockerfile "D48" Warning true
        title "empty label value"
        why "An empty label carries no information and hides a missing value."
        fix "Set a value or remove the label."
        refs "" hadolint "DL3051" checkov "" kube_linter "" trivy "";
    "DF088" Dockerfile "D01" Error true
        title "invalid image reference in FROM"
        why "The builder cannot pull a malformed reference (e.g. `image:sha256:...` instead of `image@sha256:...`)."
        fix "Write `name[:tag][@sha256:digest]`."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "DF089" Dockerfile "D11" Info true
        title "local archive copied and then extracted"
        why "The archive stays in a layer below the extracted files; ADD unpacks a local archive in one step."
        fix "Use `ADD app.tar.gz /opt/app/` for local archives."
        refs "" hadolint "DL3010" checkov "" kube_linter "" trivy "";
    "DF090" Dockerfile "D48" Warning true
        title "label value does not match its schema type"
        why "Tools that read the label (a source URL, a build time, a licence) cannot parse the value."
        fix "Give the value the type the policy's `label_schema` declares."
        refs "" hadolint "DL3052,DL3053,DL3054,DL3055,DL3056,DL3058" checkov "" kube_linter "" trivy "";
    "DF091" Dockerfile "D31" Error true
        title "secret-looking file copied into the image"
        why "Keys, credentials and .env files copied into a layer stay readable in the image even if deleted later."
        fix "Mount them at build time with `RUN --mount=type=secret`, or at run time."
        refs "CIS Docker 4.10" hadolint "" checkov "" kube_linter "" trivy "DS-0031";
    "DF092" Dockerfile "D48" Info false
        title "label not declared in the label schema"
        why "With strict labels, every label must be in the agreed schema, so that typos and ad-hoc labels do not spread."
        fix "Add the label to the policy's `label_schema`, or remove it."
        refs "" hadolint "DL3050" checkov "" kube_linter "" trivy "";
    "DF101" Dockerfile "D+SC" Info true
        title "unquoted variable expansion in RUN"
        why "An unquoted `$VAR` is split on spaces and glob-expanded."
        fix "Quote it: `\"$VAR\"`."
        refs "ShellCheck SC2086" hadolint "SC2086" checkov "" kube_linter "" trivy "";
    "DF102" Dockerfile "D+SC" Warning true
        title "export with command substitution hides failures"
        why "`export X=$(cmd)` returns export's status, so a failing cmd goes unnoticed."
        fix "Assign first, then export: `X=$(cmd); export X`."
        refs "ShellCheck SC2155" hadolint "SC2155" checkov "" kube_linter "" trivy "";
    "DF103" Dockerfile "D+SC" Warning true
        title "unquoted command substitution in RUN"
        why "An unquoted `$(...)` is split on spaces and glob-expanded."
        fix "Quote it: `\"$(...)\"`."
        refs "ShellCheck SC2046" hadolint "SC2046" checkov "" kube_linter "" trivy "";
    "DF104" Dockerfile "D+SC" Info true
        title "`$` expression inside single quotes"
        why "Single quotes prevent expansion; the literal text is used."
        fix "Use double quotes if expansion was meant."
        refs "ShellCheck SC2016" hadolint "SC2016" checkov "" kube_linter "" trivy "";
    "DF105" Dockerfile "D+SC" Warning true
        title "`!` on a statement does not fail the build"
        why "`set -e` ignores the status of a negated command, so `! grep -q x f` never stops the RUN."
        fix "Use `grep -q x f && exit 1` or test `$?` explicitly."
        refs "ShellCheck SC2251" hadolint "SC2251" checkov "" kube_linter "" trivy "";
    "DF106" Dockerfile "D+SC" Info true
        title "echo with backslash escapes"
        why "Whether echo expands `\\n` or `\\t` depends on the shell (dash does, bash does not)."
        fix "Use printf."
        refs "ShellCheck SC2028" hadolint "SC2028" checkov "" kube_linter "" trivy "";
    "DF107" Dockerfile "D+SC" Info true
        title "glob that may expand to option-like names"
        why "A file called `-rf` matched by `*` becomes an option."
        fix "Write `./*` or put `--` before the glob."
        refs "ShellCheck SC2035" hadolint "SC2035" checkov "" kube_linter "" trivy "";
    "DF108" Dockerfile "D+SC" Warning true
        title "`ls` piped into `grep`"
        why "Parsing ls output breaks on spaces and special characters in file names."
        fix "Use a glob or find."
        refs "ShellCheck SC2010" hadolint "SC2010" checkov "" kube_linter "" trivy "";
    "DF109" Dockerfile "D+SC" Warning true
        title "ln without a destination"
        why "With one operand, ln links into the current directory, which is rarely what was meant."
        fix "Give the destination, or `.` explicitly."
        refs "ShellCheck SC2226" hadolint "SC2226" checkov "" kube_linter "" trivy "";
    "DF110" Dockerfile "D01" Info true
        title "base image named through a variable with no tag written"
        why "`FROM ${BASE_IMAGE}` builds on whatever the build argument says: the Dockerfile alone does not tell which base, or which version, it is built on."
        fix "Write the tag in FROM (`FROM ${BASE_IMAGE}:1.2` or `FROM python:${PY_VERSION}-slim`) and keep only the variable part in the ARG."
        refs "CIS Docker 4.7 (pinning)" hadolint "" checkov "CKV_DOCKER_7" kube_linter "" trivy "";
    "DF111" Dockerfile "D01" Warning true
        title "base image from ARG defaults pins no version"
        why "With its ARG defaults substituted, FROM names an image without a tag, or with `latest`: the default build is not reproducible."
        fix "Give the ARG a default with a version tag (and better a digest)."
        refs "CIS Docker 4.7 (pinning)" hadolint "" checkov "" kube_linter "" trivy "";
    "DF112" Dockerfile "D31" Info true
        title "ARG or ENV named like a secret"
        why "A build argument or environment variable called `*_TOKEN` or `*PASSWORD*` is meant to carry a secret, and ARG and ENV values are kept in the image history and metadata."
        fix "Pass secrets with `RUN --mount=type=secret` or at run time; rename the variable if it holds no secret."
        refs "CIS Docker 4.10" hadolint "DL3064" checkov "" kube_linter "" trivy "";

    // ---- Kubernetes ----
    "KS001" Kubernetes "K01" Error true
        title "privileged container"
        why "A privileged container has every capability and all host devices: escaping it is trivial."
        fix "Remove `privileged: true`; add only the capabilities needed."
        refs "PSS Baseline 'Privileged Containers'; NSA/CISA 'Non-root containers and privilege'" hadolint "" checkov "CKV_K8S_16" kube_linter "privileged-container" trivy "KSV-0017";
    "KS002" Kubernetes "K02" Warning true
        title "privilege escalation not disabled"
        why "Without `allowPrivilegeEscalation: false`, setuid binaries can gain more privileges than the process started with."
        fix "Set `securityContext.allowPrivilegeEscalation: false` on every container."
        refs "PSS Restricted 'Privilege Escalation'; NSA/CISA 1.7" hadolint "" checkov "CKV_K8S_20" kube_linter "privilege-escalation-container" trivy "KSV-0001";
    "KS003" Kubernetes "K03" Warning true
        title "container may run as root"
        why "Unless runAsNonRoot is true, the image decides, and most images run as root. A non-zero runAsUser covers only the user it names; the Pod Security Standards restricted profile requires runAsNonRoot: true whatever runAsUser says, so the kubelet also refuses a root image."
        fix "Set `runAsNonRoot: true` in the pod or container securityContext."
        refs "PSS Restricted 'Running as Non-root'; NSA/CISA 'Non-root containers'" hadolint "" checkov "CKV_K8S_23" kube_linter "run-as-non-root" trivy "KSV-0012";
    "KS004" Kubernetes "K03" Error true
        title "container runs as UID 0"
        why "runAsUser: 0 is root inside the container."
        fix "Use a non-zero UID."
        refs "PSS Restricted 'Running as Non-root user'" hadolint "" checkov "" kube_linter "run-as-non-root" trivy "KSV-0105";
    "KS005" Kubernetes "K03" Warning true
        title "container runs with the root group"
        why "GID 0 owns many files in images; running with it grants their access."
        fix "Use a non-zero runAsGroup and fsGroup."
        refs "" hadolint "" checkov "" kube_linter "" trivy "KSV-0116";
    "KS006" Kubernetes "K04" Info true
        title "container UID below 10000"
        why "Low UIDs can coincide with real users on the host, which matters after an escape."
        fix "Set `runAsUser` to 10000 or more."
        refs "" hadolint "" checkov "CKV_K8S_40" kube_linter "" trivy "KSV-0020";
    "KS007" Kubernetes "K05" Warning true
        title "writable root filesystem"
        why "A writable root filesystem lets an attacker drop tools and persist changes."
        fix "Set `readOnlyRootFilesystem: true` and mount emptyDir volumes where writes are needed."
        refs "NSA/CISA 'Immutable container file systems'" hadolint "" checkov "CKV_K8S_22" kube_linter "no-read-only-root-fs" trivy "KSV-0014";
    "KS008" Kubernetes "K06" Warning true
        title "capabilities not dropped (ALL)"
        why "Default capabilities include NET_RAW and others most programs never need."
        fix "Set `capabilities.drop: [ALL]` and add back only what is needed."
        refs "PSS Restricted 'Capabilities'" hadolint "" checkov "CKV_K8S_37" kube_linter "" trivy "KSV-0003";
    "KS009" Kubernetes "K06" Warning true
        title "NET_RAW capability kept"
        why "NET_RAW allows packet spoofing and ARP poisoning inside the cluster network."
        fix "Drop ALL (or at least NET_RAW)."
        refs "" hadolint "" checkov "CKV_K8S_28" kube_linter "drop-net-raw-capability" trivy "KSV-0004";
    "KS010" Kubernetes "K07" Warning true
        title "capability added beyond NET_BIND_SERVICE"
        why "The restricted profile allows adding only NET_BIND_SERVICE."
        fix "Remove the added capability, or accept the baseline profile for this workload."
        refs "PSS Restricted 'Capabilities'" hadolint "" checkov "CKV_K8S_25" kube_linter "" trivy "KSV-0022";
    "KS011" Kubernetes "K07" Error true
        title "capability added outside the baseline set"
        why "Capabilities such as SYS_ADMIN or NET_ADMIN are close to root on the node."
        fix "Remove the capability."
        refs "PSS Baseline 'Capabilities'" hadolint "" checkov "CKV_K8S_25" kube_linter "" trivy "KSV-0005";
    "KS012" Kubernetes "K08" Error true
        title "hostNetwork enabled"
        why "The pod shares the node's network stack: it can sniff and bind node ports."
        fix "Remove `hostNetwork: true`."
        refs "PSS Baseline 'Host Namespaces'; NSA/CISA 1.3" hadolint "" checkov "CKV_K8S_19" kube_linter "host-network" trivy "KSV-0009";
    "KS013" Kubernetes "K08" Error true
        title "hostPID enabled"
        why "The pod sees and can signal every process on the node."
        fix "Remove `hostPID: true`."
        refs "PSS Baseline 'Host Namespaces'; NSA/CISA 1.4" hadolint "" checkov "CKV_K8S_17" kube_linter "host-pid" trivy "KSV-0010";
    "KS014" Kubernetes "K08" Error true
        title "hostIPC enabled"
        why "The pod shares the node's IPC namespace and shared memory."
        fix "Remove `hostIPC: true`."
        refs "PSS Baseline 'Host Namespaces'; NSA/CISA 1.5" hadolint "" checkov "CKV_K8S_18" kube_linter "host-ipc" trivy "KSV-0008";
    "KS015" Kubernetes "K09" Warning true
        title "hostPort used"
        why "hostPort binds the node's port, bypassing network policy and limiting scheduling."
        fix "Use a Service instead."
        refs "PSS Baseline 'Host Ports'" hadolint "" checkov "CKV_K8S_26" kube_linter "" trivy "KSV-0024";
    "KS016" Kubernetes "K10" Error true
        title "hostPath volume"
        why "A hostPath volume exposes the node's filesystem to the pod."
        fix "Use a persistentVolumeClaim, configMap, secret or emptyDir."
        refs "PSS Baseline 'HostPath Volumes'" hadolint "" checkov "" kube_linter "sensitive-host-mounts" trivy "KSV-0023";
    "KS017" Kubernetes "K10" Error true
        title "container runtime socket mounted"
        why "The runtime socket gives full control of every container on the node."
        fix "Remove the volume."
        refs "PSS Baseline 'HostPath Volumes'; CIS Docker 5.32" hadolint "" checkov "CKV_K8S_27" kube_linter "docker-sock" trivy "KSV-0006";
    "KS018" Kubernetes "K11" Warning true
        title "no seccomp profile"
        why "Without RuntimeDefault, every syscall is allowed."
        fix "Set `securityContext.seccompProfile.type: RuntimeDefault` on the pod."
        refs "PSS Restricted 'Seccomp'; NSA/CISA 1.10" hadolint "" checkov "CKV_K8S_31" kube_linter "" trivy "KSV-0104";
    "KS019" Kubernetes "K11" Error true
        title "seccomp profile Unconfined"
        why "Unconfined turns syscall filtering off explicitly."
        fix "Use RuntimeDefault or a Localhost profile."
        refs "PSS Baseline 'Seccomp'" hadolint "" checkov "" kube_linter "" trivy "KSV-0104";
    "KS020" Kubernetes "K12" Error true
        title "AppArmor unconfined"
        why "Unconfined turns the AppArmor profile off."
        fix "Use runtime/default or a custom profile."
        refs "PSS Baseline 'AppArmor'; NSA/CISA 1.8" hadolint "" checkov "" kube_linter "" trivy "KSV-0002";
    "KS021" Kubernetes "K12" Error true
        title "custom SELinux user, role or type"
        why "Custom SELinux options can lift the container's confinement."
        fix "Remove seLinuxOptions user and role, and use a container_* type."
        refs "PSS Baseline 'SELinux'; NSA/CISA 1.9" hadolint "" checkov "" kube_linter "" trivy "KSV-0025";
    "KS022" Kubernetes "K13" Error true
        title "procMount unmasked"
        why "An Unmasked /proc exposes kernel interfaces."
        fix "Remove procMount or set Default."
        refs "PSS Baseline '/proc Mount Type'" hadolint "" checkov "" kube_linter "unsafe-proc-mount" trivy "KSV-0027";
    "KS023" Kubernetes "K13" Error true
        title "unsafe sysctl"
        why "Sysctls outside the safe set affect the whole node."
        fix "Use only the safe sysctls."
        refs "PSS Baseline 'Sysctls'" hadolint "" checkov "" kube_linter "unsafe-sysctls" trivy "KSV-0026";
    "KS024" Kubernetes "K13" Warning true
        title "volume type not allowed by the restricted profile"
        why "Only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret are allowed."
        fix "Use an allowed volume type."
        refs "PSS Restricted 'Volume Types'" hadolint "" checkov "" kube_linter "" trivy "KSV-0028";
    "KS025" Kubernetes "K13" Error true
        title "Windows HostProcess container"
        why "A HostProcess container has full access to the Windows node."
        fix "Remove `windowsOptions.hostProcess: true`."
        refs "PSS Baseline 'HostProcess'" hadolint "" checkov "" kube_linter "" trivy "KSV-0103";
    "KS026" Kubernetes "K13" Error true
        title "probe or lifecycle handler sets host"
        why "A `host` in a probe or hook lets the kubelet reach arbitrary hosts."
        fix "Remove the host field."
        refs "PSS Baseline 'Probes / Lifecycle Hooks'" hadolint "" checkov "" kube_linter "" trivy "KSV-0121";
    "KS027" Kubernetes "K14" Info true
        title "no pod securityContext"
        why "Pod-level settings (runAsNonRoot, seccomp, fsGroup) then come from defaults."
        fix "Add `spec.securityContext` with runAsNonRoot and seccompProfile."
        refs "" hadolint "" checkov "CKV_K8S_29" kube_linter "" trivy "KSV-0118";
    "KS028" Kubernetes "K14" Info true
        title "no container securityContext"
        why "Container-level hardening (capabilities, read-only root) is missing."
        fix "Add a securityContext to each container."
        refs "" hadolint "" checkov "CKV_K8S_30" kube_linter "" trivy "KSV-0118";
    "KS029" Kubernetes "K15" Info true
        title "hostAliases set"
        why "hostAliases override name resolution inside the pod."
        fix "Use DNS instead."
        refs "" hadolint "" checkov "" kube_linter "" trivy "KSV-0007";
    "KS030" Kubernetes "K16" Warning true
        title "no CPU request"
        why "Without a request the scheduler cannot place the pod sensibly."
        fix "Set `resources.requests.cpu`."
        refs "NSA/CISA 'Resource policies'" hadolint "" checkov "CKV_K8S_10" kube_linter "unset-cpu-requirements" trivy "KSV-0015";
    "KS031" Kubernetes "K16" Warning true
        title "no memory request"
        why "Without a request the scheduler cannot place the pod sensibly."
        fix "Set `resources.requests.memory`."
        refs "NSA/CISA 'Resource policies'" hadolint "" checkov "CKV_K8S_12" kube_linter "unset-memory-requirements" trivy "KSV-0016";
    "KS032" Kubernetes "K17" Info true
        title "no CPU limit"
        why "A runaway container can take every CPU of the node."
        fix "Set `resources.limits.cpu` (or accept throttling-free scheduling deliberately)."
        refs "NSA/CISA 'Resource policies'" hadolint "" checkov "CKV_K8S_11" kube_linter "unset-cpu-requirements" trivy "KSV-0011";
    "KS033" Kubernetes "K17" Warning true
        title "no memory limit"
        why "A leaking container can exhaust the node's memory."
        fix "Set `resources.limits.memory`."
        refs "NSA/CISA 'Resource policies'" hadolint "" checkov "CKV_K8S_13" kube_linter "unset-memory-requirements" trivy "KSV-0018";
    "KS034" Kubernetes "K19" Warning true
        title "no liveness probe"
        why "A hung container is never restarted."
        fix "Add a livenessProbe."
        refs "" hadolint "" checkov "CKV_K8S_8" kube_linter "no-liveness-probe" trivy "";
    "KS035" Kubernetes "K19" Warning true
        title "no readiness probe"
        why "Traffic is sent before the container is ready."
        fix "Add a readinessProbe."
        refs "" hadolint "" checkov "CKV_K8S_9" kube_linter "no-readiness-probe" trivy "";
    "KS036" Kubernetes "K19" Warning true
        title "liveness and readiness probes identical"
        why "An identical liveness probe restarts pods that are merely busy, making overload worse."
        fix "Make the liveness probe cheaper or more tolerant than the readiness probe."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "KS037" Kubernetes "K19" Error true
        title "probe port not exposed by the container"
        why "A probe on a port the container does not declare always fails."
        fix "Point the probe at a declared containerPort or port name."
        refs "" hadolint "" checkov "" kube_linter "liveness-port" trivy "";
    "KS038" Kubernetes "K20" Warning true
        title "image without a fixed tag"
        why "`latest` or no tag changes under the workload."
        fix "Use a release tag, and better a digest."
        refs "" hadolint "" checkov "CKV_K8S_14" kube_linter "latest-tag" trivy "KSV-0013";
    "KS039" Kubernetes "K21" Info true
        title "image not pinned by digest"
        why "A tag can be re-pushed; a digest cannot."
        fix "Use `image@sha256:...`."
        refs "" hadolint "" checkov "CKV_K8S_43" kube_linter "" trivy "";
    "KS040" Kubernetes "K22" Info true
        title "imagePullPolicy not Always"
        why "With IfNotPresent a node may run a stale or tampered local copy of a tag."
        fix "Set `imagePullPolicy: Always`, or pin by digest."
        refs "" hadolint "" checkov "CKV_K8S_15" kube_linter "" trivy "";
    "KS041" Kubernetes "K23" Error true
        title "image from a registry that is not trusted"
        why "Images from unvetted registries bypass supply-chain controls."
        fix "Use a registry from the policy's `trusted_registries`."
        refs "" hadolint "" checkov "" kube_linter "" trivy "KSV-0125";
    "KS042" Kubernetes "K24" Info true
        title "object in the default namespace"
        why "The default namespace mixes unrelated workloads and is the target of careless commands."
        fix "Set `metadata.namespace`."
        refs "NSA/CISA 'Namespaces'" hadolint "" checkov "CKV_K8S_21" kube_linter "use-namespace" trivy "KSV-0110";
    "KS043" Kubernetes "K25" Warning true
        title "service account token mounted"
        why "Most workloads never call the API server; a mounted token is a credential to steal."
        fix "Set `automountServiceAccountToken: false` on the pod."
        refs "NSA/CISA 1.11" hadolint "" checkov "CKV_K8S_38" kube_linter "" trivy "KSV-0036";
    "KS044" Kubernetes "K25" Info true
        title "default service account used"
        why "Every pod of the namespace shares the default account and its permissions."
        fix "Create a service account for the workload."
        refs "" hadolint "" checkov "" kube_linter "default-service-account" trivy "";
    "KS045" Kubernetes "K25" Warning true
        title "deprecated serviceAccount field"
        why "`serviceAccount` is a deprecated alias of serviceAccountName."
        fix "Use serviceAccountName."
        refs "" hadolint "" checkov "" kube_linter "deprecated-service-account-field" trivy "";
    "KS046" Kubernetes "K26" Info true
        title "secret exposed as an environment variable"
        why "Environment variables leak into logs, crash reports and child processes."
        fix "Mount the secret as a file."
        refs "" hadolint "" checkov "CKV_K8S_35" kube_linter "env-var-secret" trivy "KSV-0109";
    "KS047" Kubernetes "K26" Error true
        title "secret-looking literal in env"
        why "A literal password in a manifest is in version control for everyone."
        fix "Use a Secret."
        refs "" hadolint "" checkov "" kube_linter "env-var-secret" trivy "";
    "KS048" Kubernetes "K27" Warning true
        title "environment variable set twice"
        why "Only the last value applies, which hides mistakes."
        fix "Remove the duplicate."
        refs "" hadolint "" checkov "" kube_linter "duplicate-env-var" trivy "";
    "KS049" Kubernetes "K29" Error true
        title "Service selects no pod"
        why "A Service that selects nothing has no endpoints: every request fails."
        fix "Make the selector match the pod template's labels."
        refs "" hadolint "" checkov "" kube_linter "dangling-service" trivy "";
    "KS050" Kubernetes "K29" Error true
        title "Service targetPort not exposed by the selected pods"
        why "Traffic goes to a port nothing listens on."
        fix "Use a declared containerPort or port name."
        refs "" hadolint "" checkov "" kube_linter "invalid-target-ports" trivy "";
    "KS051" Kubernetes "K29" Error true
        title "workload selector does not match its pod template"
        why "The API server rejects it, or the controller never sees its own pods."
        fix "Make spec.selector.matchLabels a subset of the template's labels."
        refs "" hadolint "" checkov "" kube_linter "mismatching-selector" trivy "";
    "KS052" Kubernetes "K29" Error true
        title "HPA target does not exist"
        why "An autoscaler pointing at nothing scales nothing."
        fix "Point scaleTargetRef at the workload."
        refs "" hadolint "" checkov "" kube_linter "dangling-hpa" trivy "";
    "KS053" Kubernetes "K32" Warning true
        title "PodDisruptionBudget selects no pod"
        why "The budget protects nothing."
        fix "Make the selector match the pod labels."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "KS054" Kubernetes "K28" Warning true
        title "NetworkPolicy selects no pod"
        why "The policy isolates nothing."
        fix "Make podSelector match the pod labels."
        refs "" hadolint "" checkov "" kube_linter "dangling-networkpolicy" trivy "";
    "KS056" Kubernetes "K30" Warning true
        title "NodePort Service"
        why "A NodePort opens the port on every node."
        fix "Use ClusterIP behind an Ingress or a LoadBalancer."
        refs "" hadolint "" checkov "" kube_linter "exposed-services" trivy "";
    "KS057" Kubernetes "K30" Error true
        title "Service with externalIPs"
        why "externalIPs can intercept cluster traffic (CVE-2020-8554)."
        fix "Remove externalIPs."
        refs "" hadolint "" checkov "" kube_linter "" trivy "KSV-0108";
    "KS058" Kubernetes "K30" Warning true
        title "Ingress without TLS"
        why "Traffic to the Ingress is unencrypted."
        fix "Add a `tls` section."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "KS059" Kubernetes "K31" Info true
        title "single replica"
        why "One replica means downtime on every rollout or node drain."
        fix "Run at least 2 replicas."
        refs "" hadolint "" checkov "" kube_linter "minimum-three-replicas" trivy "";
    "KS060" Kubernetes "K34" Error true
        title "removed apiVersion"
        why "The API server no longer serves this version; apply fails."
        fix "Use the replacement apiVersion."
        refs "" hadolint "" checkov "" kube_linter "no-extensions-v1beta" trivy "KSV-0107";
    "KS061" Kubernetes "K34" Error true
        title "manifest without apiVersion, kind or name"
        why "The API server rejects an object without them."
        fix "Add the missing field."
        refs "" hadolint "" checkov "" kube_linter "schema-validation" trivy "";
    "KS062" Kubernetes "K37" Warning true
        title "RBAC wildcard"
        why "`*` grants every current and future resource or verb."
        fix "List the resources and verbs explicitly."
        refs "NSA/CISA 'RBAC'" hadolint "" checkov "CKV_K8S_49" kube_linter "wildcard-in-rules" trivy "KSV-0044";
    "KS063" Kubernetes "K37" Error true
        title "binding to cluster-admin"
        why "cluster-admin can do anything in the cluster."
        fix "Bind a narrower role."
        refs "" hadolint "" checkov "" kube_linter "cluster-admin-role-binding" trivy "KSV-0111";
    "KS064" Kubernetes "K37" Warning true
        title "role can read Secrets"
        why "Reading Secrets usually means reading every credential of the namespace."
        fix "Remove get/list/watch on secrets."
        refs "" hadolint "" checkov "" kube_linter "access-to-secrets" trivy "KSV-0041";
    "KS065" Kubernetes "K37" Warning true
        title "role can create pods or exec into them"
        why "Creating pods or exec-ing into them is a path to any service account of the namespace."
        fix "Remove the permission."
        refs "" hadolint "" checkov "" kube_linter "access-to-create-pods" trivy "KSV-0053";
    "KS067" Kubernetes "K32" Warning true
        title "PodDisruptionBudget allows no eviction"
        why "maxUnavailable 0 or minAvailable 100% blocks node drains forever."
        fix "Allow at least one disruption."
        refs "" hadolint "" checkov "" kube_linter "pdb-max-unavailable" trivy "";
    "KS068" Kubernetes "K33" Info true
        title "CronJob without startingDeadlineSeconds"
        why "A CronJob that missed too many schedules stops being scheduled."
        fix "Set startingDeadlineSeconds."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "KS069" Kubernetes "K33" Info true
        title "Job without ttlSecondsAfterFinished"
        why "Finished Jobs and their pods pile up."
        fix "Set ttlSecondsAfterFinished."
        refs "" hadolint "" checkov "" kube_linter "job-ttl-seconds-after-finished" trivy "";
    "KS070" Kubernetes "K29" Error true
        title "Ingress routes to a Service that does not exist"
        why "Requests to that path get 503."
        fix "Name a Service of the manifests, or add it."
        refs "" hadolint "" checkov "" kube_linter "dangling-ingress" trivy "";
    "KS071" Kubernetes "K29" Warning true
        title "StatefulSet serviceName is not a headless Service"
        why "Without the governing headless Service, pods get no stable DNS names."
        fix "Add a Service with `clusterIP: None` named as serviceName."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "KS072" Kubernetes "K31" Info true
        title "HPA may scale down to one replica"
        why "At minReplicas 1 a single pod failure is an outage."
        fix "Set minReplicas to 2 or more."
        refs "" hadolint "" checkov "" kube_linter "hpa-minimum-three-replicas" trivy "";
    "KS073" Kubernetes "K31" Warning true
        title "workload scaled by an HPA sets replicas"
        why "Every apply resets the replica count the autoscaler chose."
        fix "Remove spec.replicas from the workload."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "KS074" Kubernetes "K31" Info true
        title "Deployment uses the Recreate strategy"
        why "All pods stop before new ones start: each rollout is downtime."
        fix "Use RollingUpdate."
        refs "" hadolint "" checkov "" kube_linter "no-rolling-update-strategy" trivy "";
    "KS075" Kubernetes "K31" Info true
        title "replicas without anti-affinity or topology spread"
        why "All replicas may land on one node and fail together."
        fix "Add topologySpreadConstraints or podAntiAffinity."
        refs "" hadolint "" checkov "" kube_linter "no-anti-affinity" trivy "";
    "KS076" Kubernetes "K32" Info true
        title "replicated workload without a PodDisruptionBudget"
        why "Node drains may evict every replica at once."
        fix "Add a PodDisruptionBudget selecting the pods."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "KS077" Kubernetes "K31" Warning true
        title "HPA maxReplicas not above minReplicas"
        why "The autoscaler can never scale."
        fix "Set maxReplicas above minReplicas."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "KS079" Kubernetes "K35" Info false
        title "no app.kubernetes.io/name label"
        why "Tools and dashboards group objects by the recommended labels."
        fix "Add the app.kubernetes.io/* labels."
        refs "" hadolint "" checkov "" kube_linter "required-label-owner" trivy "";
    "KS080" Kubernetes "K18" Info false
        title "no ephemeral-storage limit"
        why "A container filling its writable layer or emptyDir can evict its neighbours."
        fix "Set `resources.limits.ephemeral-storage`."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "KS081" Kubernetes "K15" Info false
        title "host user namespace shared"
        why "Without `hostUsers: false`, root in the container is root on the node."
        fix "Set `hostUsers: false` where the cluster supports user namespaces."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "KS082" Kubernetes "K33" Error true
        title "restartPolicy not valid for the workload kind"
        why "The API server rejects a Job with Always or a Deployment with anything else."
        fix "Use Never or OnFailure for Jobs, Always for long-running workloads."
        refs "" hadolint "" checkov "" kube_linter "restart-policy" trivy "";
    "KS083" Kubernetes "K36" Info true
        title "Namespace without a LimitRange"
        why "Pods without resources get no defaults and no bounds."
        fix "Add a LimitRange to the namespace."
        refs "NSA/CISA 'Resource policies'" hadolint "" checkov "" kube_linter "" trivy "KSV-0039";
    "KS084" Kubernetes "K36" Info true
        title "Namespace without a ResourceQuota"
        why "Nothing bounds what the namespace can consume."
        fix "Add a ResourceQuota to the namespace."
        refs "NSA/CISA 'Resource policies'" hadolint "" checkov "" kube_linter "" trivy "KSV-0040";
    "KS085" Kubernetes "K24" Warning true
        title "workload in kube-system"
        why "kube-system holds the control plane's own components; applications there share their privileges and blast radius."
        fix "Use the application's own namespace."
        refs "" hadolint "" checkov "" kube_linter "" trivy "KSV-0037";
    "KS086" Kubernetes "K25" Error true
        title "service account that the manifests do not define"
        why "The pod does not start when its service account does not exist."
        fix "Define the ServiceAccount or fix the name."
        refs "" hadolint "" checkov "" kube_linter "non-existent-service-account" trivy "";
    "KS087" Kubernetes "K27" Warning false
        title "ConfigMap or Secret that the manifests do not define"
        why "The pod stays in ContainerCreating until the object exists."
        fix "Define it, mark the reference optional, or create it before applying."
        refs "" hadolint "" checkov "" kube_linter "env-value-from" trivy "";
    "KS088" Kubernetes "K28" Warning true
        title "pod not selected by any NetworkPolicy"
        why "A pod that no NetworkPolicy selects accepts traffic from any pod in the cluster, so one compromised workload reaches it. Checked across the manifests of one run (one folder or one `lint` invocation)."
        fix "Add a NetworkPolicy (a default-deny one selects every pod)."
        refs "NSA/CISA 'Network separation'" hadolint "" checkov "CKV2_K8S_6" kube_linter "non-isolated-pod" trivy "KSV-0038";
    "KS089" Kubernetes "K30" Warning true
        title "Service exposes port 22"
        why "SSH into a pod is an unmonitored way in; use `kubectl exec`."
        fix "Remove the port."
        refs "" hadolint "" checkov "" kube_linter "ssh-port" trivy "";
    "KS090" Kubernetes "K37" Error true
        title "role grants impersonate, bind or escalate"
        why "These verbs let a subject act with, or grant, more permissions than it has."
        fix "Remove the verb."
        refs "NSA/CISA 'RBAC'" hadolint "" checkov "CKV_K8S_157,CKV_K8S_158" kube_linter "" trivy "KSV-0043";
    "KS091" Kubernetes "K37" Error true
        title "role bound to an anonymous or every-user group"
        why "Binding to system:anonymous or system:authenticated grants the role to anyone who can reach the API."
        fix "Bind to specific users, groups or service accounts."
        refs "" hadolint "" checkov "" kube_linter "" trivy "KSV-01011";
    "KS092" Kubernetes "K18" Info false
        title "requests differ from limits"
        why "Only pods whose requests equal their limits get the Guaranteed QoS class and are evicted last."
        fix "Set requests equal to limits for critical workloads."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "KS093" Kubernetes "K30" Info true
        title "container listens on a privileged port"
        why "Ports below 1024 need NET_BIND_SERVICE or root."
        fix "Listen on a port of 1024 or more and map it in the Service."
        refs "" hadolint "" checkov "" kube_linter "privileged-ports" trivy "KSV-0117";
    "KS094" Kubernetes "K35" Error true
        title "invalid label value"
        why "The API server rejects label values over 63 characters or with other characters than alphanumerics, `-`, `_` and `.`."
        fix "Shorten or sanitise the value."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "KS095" Kubernetes "K30" Error true
        title "nginx ingress configuration snippet"
        why "Snippet annotations inject raw nginx configuration and can read the controller's secrets (CVE-2021-25742)."
        fix "Remove the snippet; use the controller's documented annotations."
        refs "" hadolint "" checkov "CKV_K8S_153" kube_linter "" trivy "KSV-0119";

    "KS096" Kubernetes "K32" Warning true
        title "PodDisruptionBudget minAvailable not below the replicas it can count on"
        why "When minAvailable reaches the pods the budget selects at their floor (the HPA's minReplicas, or the workload's replicas), no pod may be evicted at that scale: node drains and cluster upgrades hang."
        fix "Set minAvailable below minReplicas, or use maxUnavailable: 1."
        refs "" hadolint "" checkov "" kube_linter "pdb-min-available" trivy "";
    "KS097" Kubernetes "K37" Error true
        title "ClusterRole can change admission webhook configurations"
        why "Whoever controls a mutating or validating webhook sees, rewrites or rejects every object sent to the API server, Secrets included."
        fix "Remove create, update, patch and delete on mutatingwebhookconfigurations and validatingwebhookconfigurations."
        refs "NSA/CISA 'RBAC'" hadolint "" checkov "CKV_K8S_155" kube_linter "" trivy "KSV-0114";
    "KS098" Kubernetes "K37" Error true
        title "ClusterRole can approve CertificateSigningRequests"
        why "Approving CSRs lets a subject mint client certificates for any user or group, system:masters included."
        fix "Remove `update` on certificatesigningrequests/approval or `approve` on signers."
        refs "NSA/CISA 'RBAC'" hadolint "" checkov "CKV_K8S_156" kube_linter "" trivy "";
    "KS099" Kubernetes "K37" Error true
        title "role grants nodes/proxy"
        why "nodes/proxy reaches the kubelet API directly: exec into any pod of the node, bypassing admission and audit."
        fix "Remove nodes/proxy (and `*` resources) from the role."
        refs "NSA/CISA 'RBAC'" hadolint "" checkov "CKV2_K8S_2" kube_linter "" trivy "";
    "KS100" Kubernetes "K37" Error true
        title "Tiller (Helm 2) deployed"
        why "Tiller runs with cluster-wide rights and an unauthenticated gRPC port: anyone in the cluster can install anything."
        fix "Remove Tiller; Helm 3 needs no in-cluster component."
        refs "" hadolint "" checkov "CKV_K8S_34,CKV_K8S_44" kube_linter "" trivy "KSV-0102";
    "KS101" Kubernetes "K37" Warning true
        title "Kubernetes dashboard deployed"
        why "The dashboard is a web UI with the rights of its service account; exposed dashboards are a classic way into clusters."
        fix "Remove it, or keep it off the network and bound to a read-only role."
        refs "" hadolint "" checkov "CKV_K8S_33" kube_linter "" trivy "";
    "KS102" Kubernetes "K37" Error true
        title "git-sync with a custom git config"
        why "git-sync's --git-config (GITSYNC_GIT_CONFIG) can set core.sshCommand and similar keys: whoever sets it runs commands in the pod."
        fix "Remove --git-config / GITSYNC_GIT_CONFIG, or lock down who can edit the workload."
        refs "" hadolint "" checkov "CKV_K8S_159" kube_linter "" trivy "";
    "KS103" Kubernetes "K29" Error true
        title "ServiceMonitor selects no Service"
        why "Prometheus scrapes nothing, and the missing metrics go unnoticed until an alert that never fires is needed."
        fix "Make spec.selector.matchLabels match the Service's labels (and namespaceSelector its namespace)."
        refs "" hadolint "" checkov "" kube_linter "dangling-servicemonitor" trivy "";
    "KS104" Kubernetes "K29" Error true
        title "ServiceMonitor endpoint port not named by the selected Services"
        why "ServiceMonitor endpoints refer to Service ports by name; an unknown name scrapes nothing."
        fix "Use the `name` of a port of the selected Service."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";

    "KS105" Kubernetes "K37" Error true
        title "binding to system:masters"
        why "Members of system:masters bypass RBAC entirely and cannot be revoked by removing bindings; binding to the group means someone relies on it."
        fix "Bind a narrower role to a specific user, group or service account."
        refs "NSA/CISA 'RBAC'" hadolint "" checkov "" kube_linter "" trivy "";
    "KS106" Kubernetes "K32" Warning true
        title "PodDisruptionBudget without minAvailable or maxUnavailable"
        why "The budget then states no policy: what it protects depends on API defaulting (policy/v1beta1 defaulted it to minAvailable 1, which blocks every eviction of a single-replica workload)."
        fix "Set maxUnavailable: 1 (or a minAvailable below the replica count)."
        refs "kube-score poddisruptionbudget-has-policy" hadolint "" checkov "" kube_linter "" trivy "";
    "KS107" Kubernetes "K32" Info false
        title "PodDisruptionBudget without unhealthyPodEvictionPolicy: AlwaysAllow"
        why "With the default policy, pods that are not ready still count against the budget, so a crash-looping workload blocks node drains."
        fix "Set `unhealthyPodEvictionPolicy: AlwaysAllow` (policy/v1, Kubernetes 1.27 and later)."
        refs "" hadolint "" checkov "" kube_linter "pdb-unhealthy-pod-eviction-policy" trivy "";
    "KS108" Kubernetes "-" Error true
        title "kustomization names a path that does not exist"
        why "kustomize stops on the first resource, component or patch it cannot find, so nothing of the overlay can be rendered or applied."
        fix "Correct the path (relative to the kustomization's folder), or add the missing file or folder."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "KS109" Kubernetes "-" Warning true
        title "deprecated kustomization field"
        why "kustomize v5 deprecates commonLabels, patchesStrategicMerge, patchesJson6902, bases, vars and imageTags, warns on each, and `kustomize edit fix` rewrites them; commonLabels also changes selectors, which breaks the rollout of an existing Deployment."
        fix "Use the replacement the message names (`labels`, `patches`, `resources`, `replacements`, `images`)."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "KS110" Kubernetes "-" Error true
        title "HorizontalPodAutoscaler targets a workload that does not exist"
        why "The autoscaler scales nothing: the workload it was meant for keeps its replica count under any load, and the HPA reports a failed target."
        fix "Name the Deployment or StatefulSet of the manifests in scaleTargetRef (kind and name)."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";

    // ---- Compose ----
    "CP001" Compose "C01" Error true
        title "privileged service"
        why "A privileged container has every capability and all host devices."
        fix "Remove `privileged: true`."
        refs "CIS Docker 5.5" hadolint "" checkov "" kube_linter "" trivy "";
    "CP002" Compose "C02" Error true
        title "container engine socket mounted"
        why "The socket gives root on the host to anyone in the container."
        fix "Remove the volume."
        refs "CIS Docker 5.32" hadolint "" checkov "" kube_linter "" trivy "";
    "CP003" Compose "C03" Error true
        title "sensitive host directory mounted"
        why "Mounting /, /etc, /proc and the like exposes the host."
        fix "Mount only application data."
        refs "CIS Docker 5.6" hadolint "" checkov "" kube_linter "" trivy "";
    "CP004" Compose "C04" Error true
        title "network_mode: host"
        why "The container shares the host's network stack."
        fix "Use a compose network."
        refs "CIS Docker 5.10" hadolint "" checkov "" kube_linter "" trivy "";
    "CP005" Compose "C05" Error true
        title "pid: host"
        why "The container sees every process of the host."
        fix "Remove `pid: host`."
        refs "CIS Docker 5.16" hadolint "" checkov "" kube_linter "" trivy "";
    "CP006" Compose "C06" Error true
        title "ipc: host"
        why "The container shares the host's IPC namespace."
        fix "Remove `ipc: host`."
        refs "CIS Docker 5.17" hadolint "" checkov "" kube_linter "" trivy "";
    "CP007" Compose "C07" Error true
        title "userns_mode: host"
        why "User namespace remapping is turned off for the container."
        fix "Remove `userns_mode: host`."
        refs "CIS Docker 5.31" hadolint "" checkov "" kube_linter "" trivy "";
    "CP008" Compose "C08" Warning true
        title "uts: host"
        why "The container can change the host's hostname."
        fix "Remove `uts: host`."
        refs "CIS Docker 5.21" hadolint "" checkov "" kube_linter "" trivy "";
    "CP009" Compose "C09" Warning true
        title "capabilities not dropped (ALL)"
        why "Default capabilities are more than most services need."
        fix "Add `cap_drop: [ALL]` and add back only what is needed."
        refs "CIS Docker 5.4" hadolint "" checkov "" kube_linter "" trivy "";
    "CP010" Compose "C09" Error true
        title "dangerous capability added"
        why "SYS_ADMIN, NET_ADMIN, ALL and similar are close to root on the host."
        fix "Remove the capability."
        refs "CIS Docker 5.4" hadolint "" checkov "" kube_linter "" trivy "";
    "CP011" Compose "C10" Warning true
        title "no-new-privileges not set"
        why "Without it setuid binaries can raise privileges."
        fix "Add `security_opt: [\"no-new-privileges:true\"]`."
        refs "CIS Docker 5.26" hadolint "" checkov "" kube_linter "" trivy "";
    "CP012" Compose "C11" Error true
        title "seccomp or AppArmor unconfined"
        why "Turning the profile off removes syscall or MAC confinement."
        fix "Remove the `unconfined` security_opt."
        refs "CIS Docker 5.22, 5.2" hadolint "" checkov "" kube_linter "" trivy "";
    "CP013" Compose "C13" Warning true
        title "writable root filesystem"
        why "A writable root lets an attacker drop tools and persist."
        fix "Set `read_only: true` and use tmpfs for writable paths."
        refs "CIS Docker 5.13" hadolint "" checkov "" kube_linter "" trivy "";
    "CP014" Compose "C14" Warning true
        title "service runs as root or sets no user"
        why "Without `user:` the image decides, and most run as root."
        fix "Set `user: \"10001:10001\"`."
        refs "CIS Docker 4.1" hadolint "" checkov "" kube_linter "" trivy "";
    "CP015" Compose "C15" Warning true
        title "no memory limit"
        why "One service can exhaust the host's memory."
        fix "Set `mem_limit` or `deploy.resources.limits.memory`."
        refs "CIS Docker 5.11" hadolint "" checkov "" kube_linter "" trivy "";
    "CP016" Compose "C16" Info true
        title "no CPU limit"
        why "One service can take every CPU."
        fix "Set `cpus` or `deploy.resources.limits.cpus`."
        refs "CIS Docker 5.12" hadolint "" checkov "" kube_linter "" trivy "";
    "CP017" Compose "C17" Info true
        title "no pids limit"
        why "A fork bomb can exhaust the host's process table."
        fix "Set `pids_limit`."
        refs "CIS Docker 5.29" hadolint "" checkov "" kube_linter "" trivy "";
    "CP018" Compose "C18" Warning true
        title "healthcheck disabled"
        why "The engine cannot tell a hung service from a working one."
        fix "Remove `disable: true` / `test: [NONE]`."
        refs "CIS Docker 5.27" hadolint "" checkov "" kube_linter "" trivy "";
    "CP019" Compose "C18" Info true
        title "no healthcheck"
        why "Without a healthcheck (here or in the image) a hung service looks healthy."
        fix "Add a `healthcheck:`."
        refs "CIS Docker 5.27" hadolint "" checkov "" kube_linter "" trivy "";
    "CP020" Compose "C20" Warning true
        title "port published on every host interface"
        why "Without a host IP the port is reachable from every network the host is on."
        fix "Bind to an address: `127.0.0.1:8080:80`."
        refs "CIS Docker 5.14" hadolint "" checkov "" kube_linter "" trivy "";
    "CP021" Compose "C21" Info true
        title "privileged host port mapped"
        why "Ports below 1024 are privileged on the host."
        fix "Use a host port of 1024 or more."
        refs "CIS Docker 5.8" hadolint "" checkov "" kube_linter "" trivy "";
    "CP022" Compose "C23" Warning true
        title "host devices passed through"
        why "A device gives direct hardware access."
        fix "Remove `devices:`."
        refs "CIS Docker 5.18" hadolint "" checkov "" kube_linter "" trivy "";
    "CP023" Compose "C24" Warning true
        title "image without a fixed tag"
        why "`latest` or no tag changes under the service."
        fix "Use a release tag, and better a digest."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "CP024" Compose "C25" Error true
        title "plaintext secret in environment"
        why "Secrets in the compose file are in version control and `docker inspect`."
        fix "Use `secrets:` or an env_file kept out of version control."
        refs "CIS Docker 4.10" hadolint "" checkov "" kube_linter "" trivy "";
    "CP025" Compose "C26" Error true
        title "container_name used twice"
        why "Two services cannot have the same container name; `up` fails."
        fix "Use unique names, or drop container_name."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "CP026" Compose "C26" Error true
        title "host port published twice"
        why "Two services cannot bind the same host port; `up` fails."
        fix "Use different host ports."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "CP027" Compose "C27" Info true
        title "obsolete `version` field"
        why "Compose ignores `version`, and it misleads readers."
        fix "Remove it."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "CP028" Compose "C19" Info true
        title "unbounded restart policy"
        why "`always` restarts a crashing service forever, hiding the crash."
        fix "Use `on-failure:5` or deploy.restart_policy.max_attempts."
        refs "CIS Docker 5.15" hadolint "" checkov "" kube_linter "" trivy "";
    "CP029" Compose "C23" Warning true
        title "shared mount propagation"
        why "Shared propagation lets mounts made in the container appear on the host."
        fix "Use the default (private) propagation."
        refs "CIS Docker 5.20" hadolint "" checkov "" kube_linter "" trivy "";
    "CP030" Compose "C23" Warning true
        title "cgroup_parent set"
        why "A custom cgroup parent can escape the engine's resource limits."
        fix "Remove cgroup_parent."
        refs "CIS Docker 5.25" hadolint "" checkov "" kube_linter "" trivy "";
    "CP031" Compose "C24" Error true
        title "image from a registry that is not trusted"
        why "Images from unvetted registries bypass supply-chain controls."
        fix "Use a registry from the policy's `trusted_registries`."
        refs "CIS Docker 4.2" hadolint "" checkov "" kube_linter "" trivy "";
    "CP032" Compose "C27" Info false
        title "no top-level `name`"
        why "The project name then comes from the folder, so two checkouts collide."
        fix "Add `name:`."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "CP033" Compose "C26" Error true
        title "invalid container_name"
        why "The engine rejects the name."
        fix "Use letters, digits, `_`, `.` and `-`, starting with a letter or digit."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "CP034" Compose "C27" Info false
        title "service has both build and image"
        why "Whether the image is built or pulled then depends on the command run."
        fix "Keep one, or document the intent."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "CP035" Compose "C22" Info false
        title "service only on the default network"
        why "Every service can reach every other one."
        fix "Declare networks and attach each service to those it needs."
        refs "CIS Docker 5.30" hadolint "" checkov "" kube_linter "" trivy "";
    "CP036" Compose "C23" Info false
        title "named volume shared by several services"
        why "Shared writable state couples the services and lets one corrupt the other."
        fix "Give each service its own volume, or mount it read-only where it only reads."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "CP037" Compose "C27" Error true
        title "unknown top-level key"
        why "Compose rejects keys outside the specification (extensions start with `x-`)."
        fix "Remove the key or rename it `x-...`."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "CP038" Compose "C12" Info false
        title "no AppArmor profile or SELinux label"
        why "Without one the engine's default applies, or none where the host has no default profile."
        fix "Add `security_opt: [\"apparmor=docker-default\"]` or a `label:` option."
        refs "CIS Docker 5.2, 5.3" hadolint "" checkov "" kube_linter "" trivy "";

    "CP039" Compose "C27" Error true
        title "unknown service key"
        why "Compose rejects service keys outside the specification (extensions start with `x-`); a typo such as `enviroment` silently drops settings in tools that ignore it."
        fix "Correct the key, or rename it `x-...`."
        refs "Compose Specification (compose-spec JSON schema)" hadolint "" checkov "" kube_linter "" trivy "";
    "CP040" Compose "C28" Info false
        title "services not in alphabetical order"
        why "Sorted services are easier to find and give smaller diffs."
        fix "Sort the services by name."
        refs "DCLint services-alphabetical-order" hadolint "" checkov "" kube_linter "" trivy "";
    "CP041" Compose "C28" Info false
        title "service keys not in the conventional order"
        why "A fixed order (image, dependencies, storage, environment, networking, runtime, metadata, user) makes services quick to read."
        fix "Reorder the keys: image/build/container_name, depends_on, volumes/configs/secrets, environment, ports/networks, command/restart, healthcheck/labels, user."
        refs "DCLint service-keys-order" hadolint "" checkov "" kube_linter "" trivy "";
    "CP042" Compose "C28" Info false
        title "ports not in ascending order"
        why "Sorted ports make clashes and gaps visible."
        fix "Sort the port mappings by published port."
        refs "DCLint service-ports-alphabetical-order" hadolint "" checkov "" kube_linter "" trivy "";
    "CP043" Compose "C28" Info false
        title "depends_on not in alphabetical order"
        why "Sorted dependencies are easier to compare and give smaller diffs."
        fix "Sort depends_on by service name."
        refs "DCLint service-dependencies-alphabetical-order" hadolint "" checkov "" kube_linter "" trivy "";
    "CP044" Compose "C28" Info false
        title "top-level keys not in the conventional order"
        why "A fixed order (x-*, version, name, include, services, networks, volumes, secrets, configs) makes files quick to read."
        fix "Reorder the top-level keys."
        refs "DCLint top-level-properties-order" hadolint "" checkov "" kube_linter "" trivy "";
    "CP045" Compose "C28" Info false
        title "port mapping not quoted"
        why "YAML 1.1 parsers read an unquoted `22:22` as the base-60 number 1342; quoting keeps every mapping a string."
        fix "Quote the mapping: `\"8080:80\"`."
        refs "DCLint require-quotes-in-ports" hadolint "" checkov "" kube_linter "" trivy "";

    // ---- Helm ----
    "HC001" Helm "H02" Error true
        title "Chart.yaml apiVersion is not v2"
        why "Helm 3 charts declare apiVersion v2; v1 charts lack dependencies in Chart.yaml."
        fix "Set `apiVersion: v2`."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "HC002" Helm "H02" Error true
        title "Chart.yaml without a name"
        why "Helm refuses a chart without a name."
        fix "Add `name:`."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "HC003" Helm "H02" Error true
        title "chart version not SemVer"
        why "Helm requires a SemVer 2 chart version."
        fix "Use `MAJOR.MINOR.PATCH`."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "HC004" Helm "H03" Warning true
        title "no values.schema.json"
        why "Without a schema, wrong values are found only when templates render badly."
        fix "Add values.schema.json describing values.yaml."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "HC005" Helm "H03" Error true
        title "invalid values.schema.json"
        why "Helm fails every install and lint with an invalid schema."
        fix "Make it a valid JSON Schema object."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "HC006" Helm "H01" Warning true
        title "hard-coded namespace in a template"
        why "A fixed namespace ignores `--namespace` and breaks installing the chart twice."
        fix "Use `{{ .Release.Namespace }}` or leave namespace out."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
    "HC007" Helm "H04" Info false
        title "values.yaml exposes no securityContext or resources settings"
        why "Users of the chart cannot harden or size the workload without forking it."
        fix "Expose `securityContext`/`podSecurityContext` and `resources` in values.yaml with secure defaults."
        refs "" hadolint "" checkov "" kube_linter "" trivy "";
}
