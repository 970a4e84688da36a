//! Compose files read as Compose reads them: anchors and merge keys, `${VAR}` interpolation with `.env`, the
//! override file (its ports are development-only and credit nothing), `extends`, `include` and profiles. Each case
//! is a small Go web app whose only port evidence is its compose files.

mod support;

const GO_MOD: &str = "module example.com/web\n\ngo 1.24\n";
const MAIN_GO: &str = "package main\n\nimport \"net/http\"\n\nfunc main() {\n\thttp.HandleFunc(\"/\", func(w http.ResponseWriter, r *http.Request) {})\n\thttp.ListenAndServe(addr(), nil)\n}\n";

struct Case {
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    /// (port, file of its evidence, words its evidence holds) that analyze must report.
    ports: &'static [(u16, &'static str, &'static str)],
    /// Ports it must not report.
    not: &'static [u16],
}

fn check(cases: &[Case]) {
    let mut failures = Vec::new();
    for case in cases {
        let mut files = vec![("go.mod", GO_MOD), ("main.go", MAIN_GO)];
        files.extend_from_slice(case.files);
        let model = support::analyze_app(&support::app(case.name, &files));
        let found: Vec<(u16, String, String)> = model
            .services
            .iter()
            .flat_map(|s| s.ports.iter())
            .flat_map(|p| {
                p.evidence.iter().map(move |e| (p.value.number.unwrap_or(0), e.file.clone(), e.detail.clone()))
            })
            .collect();
        for (port, file, words) in case.ports {
            if !found.iter().any(|(n, f, d)| n == port && f == file && d.contains(words)) {
                failures.push(format!("{}: no port {port} from {file} ({words}); found {found:?}", case.name));
            }
        }
        for port in case.not {
            if found.iter().any(|(n, _, _)| n == port) {
                failures.push(format!("{}: port {port} must not be reported; found {found:?}", case.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn compose_files_mean_what_compose_makes_of_them() {
    check(&[
        Case {
            name: "merge-keys",
            files: &[(
                "compose.yaml",
                "x-web: &web\n  build: .\n  ports:\n    - \"8080:3000\"\nservices:\n  web:\n    <<: *web\n    environment:\n      A: \"1\"\n",
            )],
            ports: &[(3000, "compose.yaml", "compose service `web`")],
            not: &[],
        },
        Case {
            name: "interpolation-default",
            files: &[(
                "compose.yaml",
                "services:\n  web:\n    build: .\n    ports:\n      - \"${HOST_PORT:-8080}:${APP_PORT:-4000}\"\n",
            )],
            ports: &[(4000, "compose.yaml", "container port 4000")],
            not: &[],
        },
        Case {
            name: "interpolation-env-file",
            files: &[
                ("compose.yaml", "services:\n  web:\n    build: .\n    ports:\n      - \"8080:${APP_PORT:-4000}\"\n"),
                (".env", "APP_PORT=5000\n"),
            ],
            ports: &[(5000, "compose.yaml", "container port 5000")],
            not: &[4000],
        },
        Case {
            name: "override-is-development-only",
            files: &[
                ("docker-compose.yml", "services:\n  web:\n    build: .\n    ports:\n      - \"80:8000\"\n"),
                ("docker-compose.override.yml", "services:\n  web:\n    ports:\n      - \"2345:2345\"\n"),
            ],
            ports: &[(8000, "docker-compose.yml", "compose service `web`")],
            not: &[2345],
        },
        Case {
            name: "extends-another-file",
            files: &[
                ("common.yml", "services:\n  base:\n    ports:\n      - \"7000\"\n"),
                (
                    "compose.yaml",
                    "services:\n  web:\n    build: .\n    extends:\n      file: common.yml\n      service: base\n",
                ),
            ],
            ports: &[(7000, "common.yml", "compose service `web`")],
            not: &[],
        },
        Case {
            name: "include",
            files: &[
                ("compose.yaml", "include:\n  - deploy/web.yaml\n"),
                ("deploy/web.yaml", "services:\n  web:\n    build: ..\n    ports:\n      - \"6000:6000\"\n"),
            ],
            ports: &[(6000, "deploy/web.yaml", "compose service `web`")],
            not: &[],
        },
        Case {
            name: "profiles",
            files: &[(
                "compose.yaml",
                "services:\n  web:\n    build: .\n    profiles: [debug]\n    ports:\n      - \"9000:9000\"\n",
            )],
            ports: &[(9000, "compose.yaml", "profile debug, not started by default")],
            not: &[],
        },
    ]);
}
