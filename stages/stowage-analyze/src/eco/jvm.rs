//! Java and Kotlin: Maven (pom.xml, multi-module) and Gradle (build.gradle(.kts), settings includes); Spring Boot.
//!
//! pom.xml is read with a small tag reader instead of an XML crate: the model needs a handful of element texts
//! (artifactId, packaging, modules, dependencies, Java release), never namespaces or entities.

use crate::detect::{Draft, Found, fact, find_up, line_of, skipped, sources};
use crate::model::{Confidence, Evidence, Fact, Kind};
use crate::walk::{Tree, file_name, join, parent};

const EXTS: &[&str] = &["java", "kt", "properties", "yml", "yaml"];

/// The text of the first `<tag>...</tag>` in `xml`, with its 1-based line.
pub fn tag(xml: &str, name: &str) -> Option<(String, u32)> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some((xml[start..end].trim().to_string(), xml[..start].matches('\n').count() as u32 + 1))
}

/// Every `<tag>...</tag>` text in `xml`, with lines.
pub fn tags(xml: &str, name: &str) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    let mut offset = 0;
    while let Some((text, _)) = tag(&xml[offset..], name) {
        let open = format!("<{name}>");
        let start = offset + xml[offset..].find(&open).expect("tag found") + open.len();
        out.push((text, xml[..start].matches('\n').count() as u32 + 1));
        offset = start;
    }
    out
}

/// `xml` with every `<name>...</name>` block blanked out (lines kept), so top-level tags can be read.
pub fn without(xml: &str, name: &str) -> String {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    let mut out = xml.to_string();
    while let Some(start) = out.find(&open) {
        let Some(end) = out[start..].find(&close).map(|e| start + e + close.len()) else { break };
        let blank: String = out[start..end].chars().map(|c| if c == '\n' { '\n' } else { ' ' }).collect();
        out.replace_range(start..end, &blank);
    }
    out
}

pub fn detect(tree: &Tree, projects: &[String], app_name: &str) -> Vec<Found> {
    let mut found = Vec::new();
    for path in tree.texts.keys() {
        let name = file_name(path);
        if name == "pom.xml" {
            found.push(maven(tree, projects, path));
        } else if (name == "build.gradle" || name == "build.gradle.kts") && !tree.exists(&join(parent(path), "pom.xml"))
        {
            found.push(gradle(tree, projects, path, app_name));
        }
    }
    found.extend(plain(tree, projects, app_name));
    found
}

/// Java without a build tool: sources with a `main` method in a folder no project manifest owns, compiled with the
/// JDK's own javac and jar (no dependencies to fetch). The root is the folder holding `src/`, else the main file's
/// folder; one service per root, named after it, the main class that starts an HTTP server first.
fn plain(tree: &Tree, projects: &[String], app_name: &str) -> Vec<Found> {
    let mut mains: Vec<(String, String, u32, bool)> = Vec::new();
    for (path, text) in tree.texts.iter() {
        if !path.ends_with(".java") || path.split('/').any(|seg| seg == "test" || seg == "tests") {
            continue;
        }
        let dir = parent(path);
        if projects.iter().any(|p| p == "." || p == dir || crate::walk::is_under(dir, p)) {
            continue;
        }
        let Some(n) = text.lines().position(|l| l.contains("static void main(")) else { continue };
        let root = match path.split('/').position(|seg| seg == "src") {
            Some(0) => ".".to_string(),
            Some(i) => path.split('/').take(i).collect::<Vec<_>>().join("/"),
            None => dir.to_string(),
        };
        mains.push((root, path.clone(), n as u32 + 1, text.contains("HttpServer")));
    }
    // Servers first, then by path: the first main of each root is its entry point.
    mains.sort_by(|a, b| (&a.0, !a.3, &a.1).cmp(&(&b.0, !b.3, &b.1)));
    mains.dedup_by(|a, b| a.0 == b.0);
    let mut found = Vec::new();
    for (root, path, line, _) in mains {
        let text = tree.text(&path).unwrap_or("");
        let class = file_name(&path).trim_end_matches(".java");
        let package = text.lines().find_map(|l| l.trim().strip_prefix("package ")?.strip_suffix(';').map(str::trim));
        let main_class = package.map_or(class.to_string(), |p| format!("{p}.{class}"));
        let sources_dir =
            if tree.files.iter().any(|f| f.starts_with(&format!("{}src/", prefix(&root)))) { "src" } else { "." };
        // Named after its folder, as the other detectors name a project without a declared name.
        let name = crate::detect::service_name(if root == "." { app_name } else { file_name(&root) });
        let mut draft = Draft::new(&name, &root, fact("java", Confidence::High, &path, Some(line), "`main` method"));
        draft.package_manager =
            Some(fact("jdk", Confidence::High, &path, Some(line), "no build tool: the JDK's javac and jar"));
        draft.build_command = Some(fact(
            format!(
                "mkdir -p build && find {sources_dir} -name '*.java' > build/sources.txt \
                 && javac -d build/classes @build/sources.txt \
                 && jar --create --file build/app.jar --main-class {main_class} -C build/classes ."
            ),
            Confidence::High,
            &path,
            Some(line),
            &format!("compiles every source and packages `{main_class}` as the jar's entry point"),
        ));
        draft.build.artifact =
            Some(fact("build/app.jar".to_string(), Confidence::High, &path, Some(line), "the jar the build writes"));
        draft.start_command =
            Some(fact("java -jar build/app.jar".to_string(), Confidence::High, &path, Some(line), "`main` method"));
        let version_file = join(&root, ".java-version");
        if let Some(v) = tree.text(&version_file).map(str::trim).filter(|v| !v.is_empty()) {
            draft.runtime_version =
                Some(fact(v.to_string(), Confidence::High, &version_file, Some(1), "`.java-version`"));
        }
        // finish() reads the service folder as the parent of the path it gets.
        let in_root = join(&root, file_name(&path));
        found.push(finish(draft, tree, projects, &in_root, Some((path.clone(), line)), Vec::new()));
    }
    found
}

/// `dir/` for a folder, nothing for the root.
fn prefix(dir: &str) -> String {
    if dir == "." { String::new() } else { format!("{dir}/") }
}

/// The top-most folder of a multi-module build containing `dir` (the build context), and its wrapper, if any.
fn build_root(tree: &Tree, dir: &str, manifest: &str, wrapper: &str) -> (String, Option<String>) {
    let mut root = dir.to_string();
    let mut current = dir.to_string();
    while current != "." {
        current = parent(&current).to_string();
        let settings = ["settings.gradle", "settings.gradle.kts"].iter().any(|s| tree.exists(&join(&current, s)));
        if tree.exists(&join(&current, manifest)) || (manifest != "pom.xml" && settings) {
            root = current.clone();
        }
    }
    let wrapper = find_up(tree, dir, &root, &[wrapper]).map(|(p, _)| p);
    (root, wrapper)
}

fn has_main(tree: &Tree, dir: &str) -> Option<(String, u32)> {
    tree.texts_under(&join(dir, "src/main")).find_map(|(p, t)| {
        let n = t.lines().position(|l| {
            l.contains("static void main(") || l.contains("fun main(") || l.contains("@SpringBootApplication")
        })?;
        Some((p.to_string(), n as u32 + 1))
    })
}

fn spring(draft: &mut Draft, tree: &Tree, dir: &str, artifacts: &[(String, Evidence)]) {
    let find = |a: &str| artifacts.iter().find(|(n, _)| n == a).map(|(_, ev)| ev.clone());
    let boot = artifacts.iter().find(|(n, _)| n.starts_with("spring-boot")).map(|(_, ev)| ev.clone());
    let Some(boot_ev) = boot else { return };
    draft.framework = Some(Fact::new(
        "Spring Boot".to_string(),
        Confidence::High,
        Evidence { detail: "Spring Boot".into(), ..boot_ev.clone() },
    ));
    // spring-boot-starter-web, -webflux and (Spring Boot 4) -webmvc all embed a server.
    let web = artifacts.iter().find(|(n, _)| n.starts_with("spring-boot-starter-web")).map(|(_, ev)| ev.clone());
    if let Some(ev) = web {
        draft.web_framework = true;
        draft.default_port = Some((8080, Evidence { detail: "Spring Boot serves on 8080 by default".into(), ..ev }));
    }
    let settings = spring_settings(tree, dir);
    let setting = |key: &str| settings.iter().find(|(k, ..)| k == key).map(|(_, v, ev)| (v.clone(), ev.clone()));
    // Every route, Actuator's included, is served under the servlet context path (or WebFlux base path).
    let context = setting("server.servlet.context-path").or_else(|| setting("spring.webflux.base-path"));
    if let Some((path, ev)) = context.filter(|(p, _)| !p.trim_matches('/').is_empty()) {
        let prefix = format!("/{}", path.trim_matches('/'));
        let evidence = Evidence { detail: format!("Spring context path `{prefix}`"), ..ev };
        draft.route_prefix = Some(crate::detect::RoutePrefix { prefix, evidence, exclude: Vec::new() });
    }
    let actuator = setting("management.endpoints.web.base-path")
        .map(|(p, ev)| (format!("/{}", p.trim_matches('/')).replace("//", "/"), Some(ev)))
        .unwrap_or(("/actuator".to_string(), None));
    if let Some(ev) = find("spring-boot-starter-actuator") {
        let mut health = Fact::new(
            format!("{}/health", actuator.0.trim_end_matches('/')),
            Confidence::Medium,
            Evidence { detail: "Spring Boot Actuator health endpoint".into(), ..ev.clone() },
        );
        if let Some(base) = &actuator.1 {
            health.evidence.push(Evidence { detail: format!("Actuator base path `{}`", actuator.0), ..base.clone() });
        }
        draft.health_path = Some(health);
        let probes = tree.texts_under(&join(dir, "src/main/resources")).find_map(|(p, t)| {
            t.lines()
                .position(|l| l.contains("probes.enabled") && l.contains("true"))
                .map(|n| (p.to_string(), n as u32 + 1))
        });
        if let Some((p, n)) = probes {
            let path = format!("{}/health/readiness", actuator.0.trim_end_matches('/'));
            draft.readiness_path = Some(fact(path, Confidence::High, &p, Some(n), "Actuator probes enabled"));
        }
    }
}

/// The default profile's settings of `src/main/resources/application.{properties,yml,yaml}`, as dotted keys
/// with their values and lines. YAML is flattened by indentation (nested maps only; lists are not settings
/// stowage reads), up to the first `---` (later documents belong to other profiles).
fn spring_settings(tree: &Tree, dir: &str) -> Vec<(String, String, Evidence)> {
    let mut out = Vec::new();
    for name in ["application.properties", "application.yml", "application.yaml"] {
        let path = join(dir, &format!("src/main/resources/{name}"));
        let Some(text) = tree.text(&path) else { continue };
        let yaml = !name.ends_with(".properties");
        let mut stack: Vec<(usize, String)> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let n = i as u32 + 1;
            let t = line.trim();
            if yaml && t == "---" {
                break;
            }
            if t.is_empty() || t.starts_with('#') || t.starts_with('!') || t.starts_with('-') {
                continue;
            }
            let ev = Evidence::new(&path, Some(n), "Spring setting");
            if !yaml {
                if let Some((k, v)) = t.split_once(['=', ':']) {
                    out.push((k.trim().to_string(), v.trim().to_string(), ev));
                }
                continue;
            }
            let indent = line.len() - line.trim_start().len();
            let Some((key, value)) = t.split_once(':') else { continue };
            while stack.last().is_some_and(|(d, _)| *d >= indent) {
                stack.pop();
            }
            let mut full: Vec<&str> = stack.iter().map(|(_, k)| k.as_str()).collect();
            full.push(key.trim());
            let value = value.split(" #").next().unwrap_or("").trim().trim_matches(['"', '\'']);
            if value.is_empty() {
                stack.push((indent, key.trim().to_string()));
            } else {
                out.push((full.join("."), value.to_string(), ev));
            }
        }
    }
    out
}

/// What Maven and Gradle projects share once their build facts are known: Spring, the kind, dependencies, sources.
fn finish(
    mut draft: Draft,
    tree: &Tree,
    projects: &[String],
    path: &str,
    main: Option<(String, u32)>,
    artifacts: Vec<(String, Evidence)>,
) -> Found {
    let dir = parent(path);
    spring(&mut draft, tree, dir, &artifacts);
    if !draft.web_framework {
        let (p, n) = main.unwrap_or((path.to_string(), 1));
        draft.fallback_kind =
            Some(Fact::new(Kind::Cli, Confidence::Low, Evidence::new(&p, Some(n), "`main` without a web server")));
    }
    draft.deps = artifacts;
    draft.sources = sources(tree, dir, projects, EXTS, &[]);
    Found::Service(Box::new(draft))
}

fn maven(tree: &Tree, projects: &[String], path: &str) -> Found {
    let dir = parent(path);
    let xml = tree.text(path).unwrap_or("");
    let top = without(
        &without(&without(&without(&without(xml, "parent"), "dependencies"), "build"), "dependencyManagement"),
        "profiles",
    );
    let artifact = tag(&top, "artifactId").map(|(a, _)| a).unwrap_or_else(|| file_name(dir).to_string());
    let packaging = tag(&top, "packaging").map(|(p, _)| p).unwrap_or_else(|| "jar".into());
    if packaging == "pom" {
        return skipped(
            dir,
            format!("Maven aggregator ({path}): packaging `pom`, its modules are analysed on their own"),
        );
    }
    let deps_block = tag(xml, "dependencies").map(|(d, _)| d).unwrap_or_default();
    let deps_offset = xml.find("<dependencies>").map_or(0, |o| xml[..o].matches('\n').count() as u32);
    let mut artifacts: Vec<(String, Evidence)> = tags(&deps_block, "artifactId")
        .into_iter()
        .map(|(a, n)| (a.clone(), Evidence::new(path, Some(n + deps_offset), format!("depends on `{a}`"))))
        .collect();
    if let Some((parent_artifact, n)) = tag(xml, "parent").and_then(|(p, _)| tag(&p, "artifactId").map(|(a, _)| (a, 0)))
    {
        let line = line_of(xml, &parent_artifact).or(Some(n));
        artifacts.push((parent_artifact.clone(), Evidence::new(path, line, format!("parent `{parent_artifact}`"))));
    }
    let main = has_main(tree, dir);
    let boot = artifacts.iter().any(|(a, _)| a.starts_with("spring-boot"));
    if !boot && main.is_none() {
        return skipped(dir, format!("Java library ({path}): no Spring Boot and no `main` method under src/main"));
    }
    let mut draft =
        Draft::new(&crate::detect::service_name(&artifact), dir, fact("java", Confidence::High, path, None, "pom.xml"));
    let (root, wrapper) = build_root(tree, dir, "pom.xml", "mvnw");
    draft.build_context = root;
    let version = ["java.version", "maven.compiler.release", "release", "maven.compiler.source"]
        .iter()
        .find_map(|t| tag(xml, t).map(|(v, n)| (t, v, n)));
    if let Some((t, v, n)) = version {
        draft.runtime_version = Some(fact(v, Confidence::High, path, Some(n), &format!("<{t}>")));
    }
    draft.package_manager = Some(fact("maven", Confidence::High, path, None, "pom.xml"));
    let mvn = wrapper.as_ref().map_or("mvn".to_string(), |_| "./mvnw".to_string());
    draft.build_command =
        Some(fact(format!("{mvn} -B package -DskipTests"), Confidence::High, path, None, "Maven build"));
    let version = tag(&top, "version").map(|(v, _)| v);
    let jar = match &version {
        Some(v) => format!("target/{artifact}-{v}.jar"),
        None => format!("target/{artifact}.jar"),
    };
    draft.start_command = Some(fact(format!("java -jar {jar}"), Confidence::Medium, path, None, "the packaged jar"));
    if let Some(wrapper) = &wrapper {
        draft.build.wrapper = Some(fact(wrapper.clone(), Confidence::High, wrapper, None, "Maven wrapper"));
    }
    // The declared version (a property reference resolved from <properties>), else the parent's, which the
    // module inherits.
    let parent_block = tag(xml, "parent").map(|(p, _)| p).unwrap_or_default();
    let declared = tag(&top, "version").map(|(v, n)| (v, Some(n), "project `<version>`")).or_else(|| {
        let (v, _) = tag(&parent_block, "version")?;
        let line = line_of(xml, &format!("<version>{v}</version>"));
        Some((v, line, "inherited from `<parent>`"))
    });
    let declared = declared.and_then(|(v, n, d)| Some((maven_resolve(xml, &v)?, n, d)));
    if let Some((v, n, detail)) = &declared {
        draft.build.version = Some(fact(v.clone(), Confidence::High, path, *n, detail));
    }
    // The jar Maven writes: `<build><finalName>`, else artifactId-version.
    let final_name = tag(&tag(xml, "build").map(|(b, _)| b).unwrap_or_default(), "finalName")
        .and_then(|(f, _)| maven_resolve(xml, &f))
        .map(|f| (f, line_of(xml, "<finalName>"), "`<finalName>`"));
    let jar = final_name.or_else(|| {
        let (v, n, _) = declared.as_ref()?;
        Some((format!("{artifact}-{v}"), *n, "artifactId and version"))
    });
    if let Some((name, line, detail)) = jar {
        draft.build.artifact = Some(fact(format!("target/{name}.jar"), Confidence::High, path, line, detail));
    }
    draft.build.spring_boot_version = maven_boot_version(xml, path, &parent_block);
    finish(draft, tree, projects, path, main, artifacts)
}

/// `value` with `${name}` references replaced from the pom's `<properties>` (and `project.version`); `None` when a
/// reference cannot be resolved there (it comes from a parent or the command line).
fn maven_resolve(xml: &str, value: &str) -> Option<String> {
    let properties = tag(xml, "properties").map(|(p, _)| p).unwrap_or_default();
    let mut out = value.to_string();
    for _ in 0..4 {
        let Some(start) = out.find("${") else { return Some(out) };
        let end = start + out[start..].find('}')?;
        let name = &out[start + 2..end];
        let replacement = if name == "project.version" {
            tag(&without(&without(xml, "parent"), "dependencies"), "version")?.0
        } else {
            tag(&properties, name)?.0
        };
        out.replace_range(start..=end, &replacement);
    }
    (!out.contains("${")).then_some(out)
}

/// Spring Boot's version in a pom: the `spring-boot-starter-parent` (or `-dependencies`) parent, the
/// `spring-boot-dependencies` BOM, or a `spring-boot.version` property.
fn maven_boot_version(xml: &str, path: &str, parent_block: &str) -> Option<Fact<String>> {
    let parent_artifact = tag(parent_block, "artifactId").map(|(a, _)| a).unwrap_or_default();
    if parent_artifact.starts_with("spring-boot-") {
        let (v, _) = tag(parent_block, "version")?;
        let v = maven_resolve(xml, &v)?;
        let line = line_of(xml, &parent_artifact);
        return Some(fact(v, Confidence::High, path, line, &format!("parent `{parent_artifact}`")));
    }
    if let Some((v, n)) = tag(xml, "spring-boot.version") {
        return Some(fact(v, Confidence::High, path, Some(n), "`spring-boot.version` property"));
    }
    let management = tag(xml, "dependencyManagement").map(|(d, _)| d).unwrap_or_default();
    let bom =
        management.split("<dependency>").find(|d| d.contains("<artifactId>spring-boot-dependencies</artifactId>"))?;
    let (v, _) = tag(bom, "version")?;
    let v = maven_resolve(xml, &v)?;
    Some(fact(v, Confidence::High, path, line_of(xml, "spring-boot-dependencies"), "`spring-boot-dependencies` BOM"))
}

/// A top-level `key = "literal"` (Groovy or Kotlin DSL, `.set("...")` too) of a Gradle build, with its line.
fn gradle_assignment(text: &str, key: &str) -> Option<(String, u32)> {
    text.lines().enumerate().find_map(|(i, line)| {
        let t = line.trim();
        let rest = t.strip_prefix(key).or_else(|| t.split_once(&format!(".{key}")).map(|(_, r)| r))?;
        let rest = rest.trim_start();
        let rest = rest.strip_prefix('=').or_else(|| rest.strip_prefix(".set("))?.trim_start();
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let value = rest[1..].split(quote).next()?;
        (!value.is_empty() && !value.contains('$')).then(|| (value.to_string(), i as u32 + 1))
    })
}

/// Spring Boot's version in a Gradle build: the plugin's `version`, the `spring-boot-gradle-plugin` classpath, or
/// the version catalog's `spring-boot`/`springBoot` entry.
fn gradle_boot_version(tree: &Tree, text: &str, path: &str, root: &str) -> Option<Fact<String>> {
    for (i, line) in text.lines().enumerate() {
        let n = Some(i as u32 + 1);
        if line.contains("org.springframework.boot")
            && let Some((_, rest)) = line.split_once(" version ")
            && let Some(v) = rest.split(['"', '\'']).nth(1)
        {
            return Some(fact(v, Confidence::High, path, n, "Spring Boot plugin version"));
        }
        if let Some((_, rest)) = line.split_once("spring-boot-gradle-plugin:")
            && let Some(v) = rest.split(['"', '\'', ')']).next().filter(|v| !v.is_empty() && !v.contains('$'))
        {
            return Some(fact(v, Confidence::High, path, n, "`spring-boot-gradle-plugin` classpath"));
        }
    }
    let catalog = join(root, "gradle/libs.versions.toml");
    let doc = tree.text(&catalog)?.parse::<toml::Table>().ok()?;
    let versions = doc.get("versions")?.as_table()?;
    let (key, v) = versions.iter().find(|(k, _)| matches!(k.as_str(), "spring-boot" | "springBoot" | "spring_boot"))?;
    let line = line_of(tree.text(&catalog)?, key);
    Some(fact(v.as_str()?, Confidence::High, &catalog, line, "version catalog"))
}

fn gradle(tree: &Tree, projects: &[String], path: &str, app_name: &str) -> Found {
    let dir = parent(path);
    let text = tree.text(path).unwrap_or("");
    let settings = ["settings.gradle", "settings.gradle.kts"].iter().map(|s| join(dir, s)).find(|s| tree.exists(s));
    let has_plugin = |p: &str| text.contains(p);
    let boot = has_plugin("org.springframework.boot");
    let application = text
        .lines()
        .any(|l| l.trim() == "application" || l.contains("id(\"application\")") || l.contains("id 'application'"));
    let main = has_main(tree, dir);
    if !boot && !application && main.is_none() {
        if settings.is_some() {
            return skipped(
                dir,
                format!("Gradle multi-project root ({path}): its subprojects are analysed on their own"),
            );
        }
        return skipped(dir, format!("Java library ({path}): no Spring Boot, `application` plugin or `main` method"));
    }
    let mut artifacts: Vec<(String, Evidence)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(coord) = line.split(['"', '\'']).nth(1) else { continue };
        let mut parts = coord.split(':');
        if let (Some(_group), Some(artifact)) = (parts.next(), parts.next())
            && !artifact.is_empty()
            && !artifact.contains(' ')
        {
            artifacts.push((
                artifact.to_string(),
                Evidence::new(path, Some(i as u32 + 1), format!("depends on `{artifact}`")),
            ));
        }
        if line.contains("org.springframework.boot") && !line.contains(':') {
            artifacts.push(("spring-boot".into(), Evidence::new(path, Some(i as u32 + 1), "Spring Boot plugin")));
        }
    }
    let name = settings
        .as_ref()
        .and_then(|s| tree.text(s))
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.trim()
                    .strip_prefix("rootProject.name")
                    .map(|r| r.trim_start_matches([' ', '=']).trim().trim_matches(['"', '\'']).to_string())
            })
        })
        .unwrap_or_else(|| if dir == "." { app_name.to_string() } else { file_name(dir).to_string() });
    let kotlin = path.ends_with(".kts") && tree.texts_under(dir).any(|(p, _)| p.ends_with(".kt"));
    let mut draft = Draft::new(
        &crate::detect::service_name(&name),
        dir,
        fact(if kotlin { "kotlin" } else { "java" }, Confidence::High, path, None, "Gradle build"),
    );
    let (root, wrapper) = build_root(tree, dir, "build.gradle", "gradlew");
    draft.build_context = root;
    let version = text.lines().enumerate().find_map(|(i, l)| {
        let digits = |s: &str| {
            s.chars().skip_while(|c| !c.is_ascii_digit()).take_while(|c| c.is_ascii_digit()).collect::<String>()
        };
        if l.contains("JavaLanguageVersion.of(") {
            Some((digits(l.split("JavaLanguageVersion.of(").nth(1)?), i))
        } else if l.contains("sourceCompatibility") || l.contains("jvmToolchain(") {
            let v = digits(l.replace("1.8", "8").as_str());
            (!v.is_empty()).then_some((v, i))
        } else {
            None
        }
    });
    if let Some((v, i)) = version.filter(|(v, _)| !v.is_empty()) {
        draft.runtime_version = Some(fact(v, Confidence::High, path, Some(i as u32 + 1), "Java toolchain"));
    }
    draft.package_manager = Some(fact("gradle", Confidence::High, path, None, "Gradle build"));
    let gradlew = wrapper.as_ref().map_or("gradle".to_string(), |_| "./gradlew".to_string());
    if let Some(wrapper) = &wrapper {
        draft.build.wrapper = Some(fact(wrapper.clone(), Confidence::High, wrapper, None, "Gradle wrapper"));
    }
    draft.build.version = gradle_assignment(text, "version")
        .map(|(v, n)| fact(v, Confidence::High, path, Some(n), "Gradle `version`"))
        .or_else(|| {
            // gradle.properties of the project, else of the build's root.
            [dir, draft.build_context.as_str()].iter().find_map(|d| {
                let props = join(d, "gradle.properties");
                let t = tree.text(&props)?;
                let (n, value) = t.lines().enumerate().find_map(|(i, l)| {
                    let (k, v) = l.split_once('=')?;
                    (k.trim() == "version").then(|| (i as u32 + 1, v.trim().to_string()))
                })?;
                Some(fact(value, Confidence::High, &props, Some(n), "gradle.properties `version`"))
            })
        });
    let project = if draft.build_context == dir { name.clone() } else { file_name(dir).to_string() };
    draft.build.artifact = if boot {
        let archive =
            gradle_assignment(text, "archiveFileName").map(|(f, n)| (f, n, "`archiveFileName`")).or_else(|| {
                let (base, n) = gradle_assignment(text, "archiveBaseName")?;
                let file = match &draft.build.version {
                    Some(v) => format!("{base}-{}.jar", v.value),
                    None => format!("{base}.jar"),
                };
                Some((file, n, "`archiveBaseName`"))
            });
        match archive {
            Some((file, n, detail)) => {
                Some(fact(format!("build/libs/{file}"), Confidence::High, path, Some(n), detail))
            }
            None => {
                let file = match &draft.build.version {
                    Some(v) => format!("{project}-{}.jar", v.value),
                    None => format!("{project}.jar"),
                };
                Some(fact(
                    format!("build/libs/{file}"),
                    Confidence::Medium,
                    path,
                    None,
                    "bootJar: project name and version",
                ))
            }
        }
    } else if application {
        let launcher = format!("build/install/{project}/bin/{project}");
        Some(fact(launcher, Confidence::Medium, path, None, "`application` plugin launcher (installDist)"))
    } else {
        None
    };
    draft.build.spring_boot_version = gradle_boot_version(tree, text, path, &draft.build_context);
    let task = if boot { "bootJar" } else { "installDist" };
    // From the root of a multi-project build, a subproject's task is addressed by its path.
    let task = if draft.build_context != dir {
        let rel = dir.strip_prefix(&format!("{}/", draft.build_context)).unwrap_or(dir);
        format!(":{}:{task}", rel.replace('/', ":"))
    } else {
        task.to_string()
    };
    draft.build_command = Some(fact(format!("{gradlew} {task}"), Confidence::High, path, None, "Gradle build"));
    if boot {
        draft.start_command = Some(fact("java -jar build/libs/*.jar", Confidence::Medium, path, None, "the boot jar"));
    }
    finish(draft, tree, projects, path, main, artifacts)
}
