//! The report formats, judged by the real tools that read them (the judges recipe beside the repository): SARIF by Microsoft's SARIF
//! Multitool (its own rules and GitHub's ingestion rules), JUnit by xmllint against the Jenkins xUnit XSD and by
//! junitparser, HTML by headless Chromium. The fixture `reports/hostile` has `<script>` in a message, a reason and
//! a file name, and two fake secrets: every format must escape the one and mask the others.
//! No judge is ever skipped: a missing one fails the test with the command that installs it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "support/judges.rs"]
mod judges;

const SECRETS: [&str; 2] = ["ghp_FAKEfakeFAKEfake1234567890abcdEFGH", "hunter2-super-secret"];
const FORMATS: [(&str, &str); 5] =
    [("json", "r.json"), ("sarif", "r.sarif"), ("junit", "r.xml"), ("markdown", "r.md"), ("html", "r.html")];
/// How long Chromium may take to open the 10,000-finding page (it takes about a second on a two-core machine).
const OPEN_LIMIT: Duration = Duration::from_secs(20);

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stowage-reports-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A system judge on PATH (Debian packages), or a failure naming the install command.
fn system_judge(name: &str, why: &str) -> PathBuf {
    let found =
        std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join(name)).find(|p| p.is_file()));
    found.unwrap_or_else(|| {
        panic!("{name} is not installed ({why}): run `cargo xtask judges` as root, or `apt-get install -y chromium libxml2-utils`")
    })
}

fn multitool() -> PathBuf {
    let path = workspace().join("target/judges/npm/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    assert!(path.is_file(), "the SARIF Multitool is missing at {}: run `cargo xtask judges`", path.display());
    path
}

/// Lints the hostile fixture inside a repository at `repo/svc/` (so SARIF paths need the `svc/` prefix), writing
/// every format into `out`; returns the exit code and the files' bytes by format.
fn lint_hostile(repo: &Path, out: &Path, docs_url: Option<&str>) -> (i32, BTreeMap<&'static str, String>) {
    let svc = repo.join("svc");
    if !svc.is_dir() {
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(&svc).unwrap();
        for entry in std::fs::read_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reports/hostile")).unwrap()
        {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), svc.join(entry.file_name())).unwrap();
        }
    }
    std::fs::create_dir_all(out).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stowage-validate"));
    cmd.current_dir(&svc).args([
        "lint",
        "--format",
        "json",
        "--compliance",
        "pss-restricted,cis-docker-1.6.0,nsa-cisa-k8s-1.2",
    ]);
    if let Some(url) = docs_url {
        cmd.args(["--docs-url", url]);
    }
    for (format, file) in FORMATS {
        cmd.arg("--report").arg(format!("{format}={}", out.join(file).display()));
    }
    let output = cmd.output().unwrap();
    let texts = FORMATS.iter().map(|(f, file)| (*f, std::fs::read_to_string(out.join(file)).unwrap())).collect();
    (output.status.code().unwrap(), texts)
}

#[test]
fn every_format_escapes_masks_and_repeats_itself() {
    let dir = scratch("hostile");
    let (code, texts) = lint_hostile(&dir.join("repo"), &dir.join("a"), None);
    assert_eq!(code, 1, "the fixture has findings at the default threshold; the reports are written anyway");
    let (_, again) = lint_hostile(&dir.join("repo"), &dir.join("b"), None);
    for (format, text) in &texts {
        assert_eq!(text, &again[format], "{format} differs between two runs");
        for secret in SECRETS {
            assert!(!text.contains(secret), "{format} shows a secret value");
        }
        // Markup from messages, reasons and file names must arrive as text.
        if matches!(*format, "html" | "markdown" | "junit") {
            let script_tags = text.matches("<script").count();
            assert_eq!(script_tags, 0, "{format} carries a raw <script> tag");
        }
    }
    let json: Value = serde_json::from_str(&texts["json"]).unwrap();
    assert!(json["suppressed"][0]["reason"].as_str().unwrap().contains("<script>"), "the fixture is hostile");
    assert!(texts["html"].contains("&lt;script&gt;alert(2)&lt;/script&gt;"));
    assert!(texts["markdown"].contains("&lt;script&gt;alert(1).yaml"));
    assert!(texts["markdown"].contains("| pss-restricted | "), "the Markdown counts the controls");
    let sarif: Value = serde_json::from_str(&texts["sarif"]).unwrap();
    let snippets: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["region"]["snippet"]["text"].as_str())
        .collect();
    assert!(snippets.iter().any(|s| s.contains("API_TOKEN=****")), "the ENV line is shown masked: {snippets:?}");
    // No docs address configured: rules are named, never linked to an address nobody chose.
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().all(|r| r.get("helpUri").is_none()), "a helpUri without a configured docs address");
    assert!(!texts["markdown"].contains("](http"), "the Markdown links a rule without a docs address");
    assert!(!texts["html"].contains("docs/rules/"), "the HTML links a rule without a docs address");
}

/// A docs address as `[report] docs_url` or `--docs-url` gives it.
const DOCS: &str = "https://docs.example.com/stowage/";

#[test]
fn sarif_passes_the_multitool_and_code_scanning_needs() {
    let dir = scratch("sarif");
    let (_, texts) = lint_hostile(&dir.join("repo"), &dir.join("out"), Some(DOCS));
    let path = dir.join("out/r.sarif");
    let output = Command::new(multitool())
        .arg("validate")
        .arg(&path)
        .arg("--output")
        .arg(dir.join("validation.sarif"))
        .args(["--log", "ForceOverwrite", "--rule-kind", "Sarif;Gh"])
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "the Multitool failed:\n{printed}");
    let errors: Vec<&str> = printed.lines().filter(|l| l.contains(": error ")).collect();
    assert!(errors.is_empty(), "the Multitool reports errors:\n{}", errors.join("\n"));
    let sarif: Value = serde_json::from_str(&texts["sarif"]).unwrap();
    let run = &sarif["runs"][0];
    assert_eq!(run["automationDetails"]["id"], "stowage/svc/");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let json: Value = serde_json::from_str(&texts["json"]).unwrap();
    for rule in rules {
        // The link is the configured address plus the page's path in this repository, and that page exists.
        let id = rule["id"].as_str().unwrap();
        assert_eq!(rule["helpUri"], format!("{DOCS}docs/rules/{id}.md"), "{rule}");
        assert!(workspace().join(format!("docs/rules/{id}.md")).is_file(), "no page for {id}");
    }
    let by_id = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap();
    assert_eq!(by_id("DF002")["properties"]["tags"][0], "hadolint:DL3007");
    assert!(by_id("KS003")["properties"]["security-severity"].as_str().is_some());
    let results = run["results"].as_array().unwrap();
    let suppressed = json["suppressed"].as_array().unwrap();
    assert_eq!(results.len(), json["findings"].as_array().unwrap().len() + suppressed.len());
    for result in results {
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(uri.starts_with("svc/"), "{uri} is not relative to the repository root");
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(result["partialFingerprints"].as_object().is_some_and(|m| !m.is_empty()));
    }
    let silenced: Vec<&Value> = results.iter().filter(|r| r.get("suppressions").is_some()).collect();
    assert_eq!(silenced.len(), suppressed.len());
    assert_eq!(silenced[0]["suppressions"][0]["justification"], suppressed[0]["reason"]);
}

#[test]
fn junit_follows_the_xsd_and_junitparser_counts_agree() {
    let dir = scratch("junit");
    let (_, texts) = lint_hostile(&dir.join("repo"), &dir.join("out"), None);
    let xsd = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../stowage-render/tests/data/junit-10.xsd");
    let xmllint = system_judge("xmllint", "JUnit XML is checked against its XSD");
    let output =
        Command::new(xmllint).arg("--noout").arg("--schema").arg(&xsd).arg(dir.join("out/r.xml")).output().unwrap();
    assert!(output.status.success(), "xmllint rejects the JUnit XML:\n{}", String::from_utf8_lossy(&output.stderr));
    let python = judges::judge("python", "junitparser reads the JUnit XML");
    let script = "import sys\nfrom junitparser import JUnitXml\nx = JUnitXml.fromfile(sys.argv[1])\n\
                  cases = [c for s in x for c in s]\n\
                  print(len(cases), sum(1 for c in cases if not c.is_passed and not c.is_skipped), \
                  sum(1 for c in cases if c.is_skipped))\n";
    let output = Command::new(python).arg("-c").arg(script).arg(dir.join("out/r.xml")).output().unwrap();
    assert!(output.status.success(), "junitparser failed: {}", String::from_utf8_lossy(&output.stderr));
    let counts: Vec<usize> =
        String::from_utf8_lossy(&output.stdout).split_whitespace().map(|n| n.parse().unwrap()).collect();
    // The JSON's findings and suppressions, one test case per (file, rule).
    let json: Value = serde_json::from_str(&texts["json"]).unwrap();
    let pairs = |list: &Value| -> std::collections::BTreeSet<(String, String)> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|f| (f["file"].as_str().unwrap().to_string(), f["rule"].as_str().unwrap().to_string()))
            .collect()
    };
    let failed = pairs(&json["findings"]);
    let skipped: Vec<_> = pairs(&json["suppressed"]).into_iter().filter(|p| !failed.contains(p)).collect();
    assert!(!skipped.is_empty(), "the fixture has an ignored finding");
    assert_eq!(counts, vec![failed.len() + skipped.len(), failed.len(), skipped.len()]);
}

/// The verify gate's checks (builds, health probes) are JUnit test cases of their own suite, timed, beside the
/// rule cases; the XSD and junitparser accept them and count them.
#[test]
fn junit_holds_verify_checks_as_timed_test_cases() {
    use stowage_render::{Check, CheckStatus};
    let dir = scratch("junit-checks");
    std::fs::create_dir_all(&dir).unwrap();
    let (findings, suppressed, rules) = synthetic(20);
    let check = |name: &str, status: CheckStatus, message: &str, seconds: Option<f64>| Check {
        suite: "verify".into(),
        name: name.into(),
        file: "Dockerfile".into(),
        status,
        message: message.into(),
        seconds,
    };
    let checks = vec![
        check("build demo", CheckStatus::Passed, "built, 12.3 MB", Some(4.25)),
        check(
            "api (web) healthy",
            CheckStatus::Failed,
            "http GET /health on port 8000: HTTP 503 <at> \"x\"",
            Some(60.0),
        ),
        check("worker (worker) healthy", CheckStatus::Skipped, "not run alone: it needs redis", None),
    ];
    let input = stowage_render::Input {
        app: "demo",
        version: "0.0.0",
        src_prefix: "",
        findings: &findings,
        suppressed: &suppressed,
        rules: &rules,
        controls: &[],
        checks: &checks,
        docs_url: "",
    };
    let xml = stowage_render::Format::Junit.render(&input).unwrap();
    let path = dir.join("r.xml");
    std::fs::write(&path, &xml).unwrap();
    assert!(xml.contains("<testcase classname=\"verify\" name=\"build demo\" file=\"Dockerfile\" time=\"4.250\">"));
    assert!(xml.contains("HTTP 503 &lt;at&gt; &quot;x&quot;"), "check messages are escaped:\n{xml}");
    let xsd = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../stowage-render/tests/data/junit-10.xsd");
    let xmllint = system_judge("xmllint", "JUnit XML is checked against its XSD");
    let output = Command::new(xmllint).arg("--noout").arg("--schema").arg(&xsd).arg(&path).output().unwrap();
    assert!(output.status.success(), "xmllint rejects the JUnit XML:\n{}", String::from_utf8_lossy(&output.stderr));
    let python = judges::judge("python", "junitparser reads the JUnit XML");
    let script = "import sys\nfrom junitparser import JUnitXml\nx = JUnitXml.fromfile(sys.argv[1])\n\
                  s = [s for s in x if s.name == 'verify'][0]\ncases = list(s)\n\
                  print(len(cases), sum(1 for c in cases if not c.is_passed and not c.is_skipped), \
                  sum(1 for c in cases if c.is_skipped), sum(c.time or 0 for c in cases))\n";
    let output = Command::new(python).arg("-c").arg(script).arg(&path).output().unwrap();
    assert!(output.status.success(), "junitparser failed: {}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "3 1 1 64.25");
}

/// `count` synthetic findings over 40 files and 30 rules, a tenth of them ignored inline.
fn synthetic(
    count: usize,
) -> (Vec<stowage_render::Finding>, Vec<stowage_render::Suppressed>, Vec<stowage_render::RuleInfo>) {
    use stowage_validate::registry::RULES;
    let rules: Vec<_> = RULES.iter().take(30).collect();
    let mut findings = Vec::new();
    let mut suppressed = Vec::new();
    for i in 0..count {
        let rule = rules[(i * 7) % rules.len()];
        let finding = stowage_render::Finding {
            file: format!("services/app{:02}/k8s/deployment.yaml", i % 40),
            line: Some((i / 40 + 1) as u32),
            column: Some(3),
            rule: rule.code.to_string(),
            severity: rule.severity,
            message: format!("{} (occurrence {i}) in container `app` of Deployment `web`", rule.title),
            snippet: Some("        image: registry.example.com/team/app:1.2.3".into()),
        };
        if i % 10 == 9 {
            suppressed.push(stowage_render::Suppressed { finding, reason: "accepted by the platform team".into() });
        } else {
            findings.push(finding);
        }
    }
    let infos = rules.iter().map(|r| stowage_validate::reporting::rule_info(r)).collect();
    (findings, suppressed, infos)
}

#[test]
fn markdown_of_10000_findings_fits_a_pull_request_comment() {
    let (findings, suppressed, rules) = synthetic(10_000);
    let input = stowage_render::Input {
        app: "big",
        version: "0.1.0",
        src_prefix: "",
        findings: &findings,
        suppressed: &suppressed,
        rules: &rules,
        controls: &[],
        checks: &[],
        docs_url: "",
    };
    let md = stowage_render::Format::Markdown.render(&input).unwrap();
    assert!(md.chars().count() < 65_536, "{} characters", md.chars().count());
    assert!(md.contains(&format!("_and {} more_", findings.len() - 50)));
    assert!(md.contains("<details><summary>Findings by rule"));
    assert!(md.contains(&format!(
        "| error | {} |",
        findings.iter().filter(|f| f.severity == stowage_render::Severity::Error).count()
    )));
}

/// Opens `page` in headless Chromium: returns the DOM, after checking the console stayed quiet and every request
/// the page made was for a `file:` or `data:` URL; with `screenshot`, also checks the rendered page is not blank.
fn open_in_chromium(dir: &Path, page: &Path, screenshot: bool) -> String {
    let chromium = system_judge("chromium", "the HTML report is opened in a real browser");
    let base = |user: &str| {
        let mut cmd = Command::new(&chromium);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", dir.join(user).display()));
        cmd
    };
    let url = format!("file://{}", page.display());
    let net_log = dir.join("net-log.json");
    let output = base("profile-dom")
        .arg(format!("--log-net-log={}", net_log.display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    assert!(output.status.success(), "chromium failed: {}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let console: Vec<&str> = stderr.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "the page wrote to the console:\n{}", console.join("\n"));
    // Requests the page made carry its (opaque, file:) origin as initiator; the browser's own carry none.
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&net_log).unwrap()).unwrap();
    for event in log["events"].as_array().unwrap() {
        let params = &event["params"];
        if let (Some(url), Some(initiator)) = (params["url"].as_str(), params["initiator"].as_str())
            && initiator != "not an origin"
        {
            assert!(url.starts_with("file:") || url.starts_with("data:"), "the page requested {url}");
        }
    }
    if screenshot {
        let png = dir.join("shot.png");
        let output = base("profile-shot")
            .arg(format!("--screenshot={}", png.display()))
            .arg("--window-size=1280,2000")
            .arg(&url)
            .output()
            .unwrap();
        assert!(output.status.success() && png.is_file(), "no screenshot: {}", String::from_utf8_lossy(&output.stderr));
        let python = judges::judge("python", "the screenshot's pixels are read");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/png_not_blank.py");
        assert!(Command::new(python).arg(script).arg(&png).status().unwrap().success(), "the screenshot is blank");
    }
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The bars of the chart `id` in a DOM, as (label text, value text).
fn bars(dom: &str, id: &str) -> Vec<(String, String)> {
    let start = dom.find(&format!("<svg id=\"{id}\"")).unwrap_or_else(|| panic!("no chart {id}"));
    let chart = &dom[start..start + dom[start..].find("</svg>").unwrap()];
    let text_of = |g: &str, class: &str| {
        let at = g.find(&format!("class=\"{class}\"")).unwrap();
        let open = at + g[at..].find('>').unwrap() + 1;
        g[open..open + g[open..].find('<').unwrap()].to_string()
    };
    chart.split("<g class=\"bar\"").skip(1).map(|g| (text_of(g, "bar-label"), text_of(g, "bar-value"))).collect()
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

#[test]
fn html_opens_in_chromium_with_the_json_numbers() {
    let dir = scratch("html");
    let (_, texts) = lint_hostile(&dir.join("repo"), &dir.join("out"), None);
    let dom = open_in_chromium(&dir, &dir.join("out/r.html"), true);
    let json: Value = serde_json::from_str(&texts["json"]).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let count = |pick: &dyn Fn(&Value) -> bool| findings.iter().filter(|f| pick(f)).count().to_string();
    let expected: Vec<(String, String)> =
        ["error", "warning", "info"].iter().map(|s| (s.to_string(), count(&|f: &Value| f["severity"] == *s))).collect();
    assert_eq!(bars(&dom, "by-severity"), expected);
    for (rule, value) in bars(&dom, "by-rule") {
        assert_eq!(value, count(&|f: &Value| f["rule"] == unescape(&rule).as_str()), "bar of {rule}");
    }
    assert!(!bars(&dom, "by-rule").is_empty());
    let failed: Vec<(String, String)> = json["compliance"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| {
            (
                format!("{} {}", c["framework"].as_str().unwrap(), c["control"].as_str().unwrap()),
                c["findings"].to_string(),
            )
        })
        .collect();
    assert!(!failed.is_empty(), "the fixture fails some controls");
    let shown: Vec<(String, String)> = bars(&dom, "by-control").into_iter().map(|(l, v)| (unescape(&l), v)).collect();
    assert_eq!(shown, failed);

    // 10,000 findings: the page opens in the browser within the stated time, with the right numbers.
    let (findings, suppressed, rules) = synthetic(10_000);
    let input = stowage_render::Input {
        app: "big",
        version: "0.1.0",
        src_prefix: "",
        findings: &findings,
        suppressed: &suppressed,
        rules: &rules,
        controls: &[],
        checks: &[],
        docs_url: "",
    };
    let page = dir.join("big.html");
    std::fs::write(&page, stowage_render::Format::Html.render(&input).unwrap()).unwrap();
    let started = Instant::now();
    let dom = open_in_chromium(&dir, &page, false);
    let took = started.elapsed();
    assert!(took < OPEN_LIMIT, "the 10,000-finding report took {took:?} to open");
    let total: usize = bars(&dom, "by-severity").iter().map(|(_, v)| v.parse::<usize>().unwrap()).sum();
    assert_eq!(total, findings.len());
}
