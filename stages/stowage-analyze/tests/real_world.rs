//! Layouts met in real repositories (example-voting-app, laravel/laravel, spring-petclinic, the FastAPI full-stack
//! template), reduced to the few files that matter: each once misled the analysis.

mod support;

use stowage_analyze::model::{Model, Service};

type Check = fn(&Model) -> Result<(), String>;

struct Case {
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    check: Check,
}

fn only(model: &Model) -> Result<&Service, String> {
    match model.services.as_slice() {
        [s] => Ok(s),
        other => Err(format!("expected one service, got {:?}", other.iter().map(|s| &s.name).collect::<Vec<_>>())),
    }
}

fn ports(s: &Service) -> Vec<(Option<u16>, Option<String>)> {
    s.ports.iter().map(|p| (p.value.number, p.value.env.clone())).collect()
}

/// Runs every case and reports all failures at once.
fn check(cases: &[Case]) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let model = support::analyze_app(&support::app(case.name, case.files));
            (case.check)(&model).err().map(|e| format!("{}: {e}", case.name))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn real_world_layouts() {
    check(&[
        Case {
            name: "asset-build-belongs-to-the-server",
            files: &[
                ("composer.json", r#"{"require":{"php":"^8.2","laravel/framework":"^11.0"}}"#),
                ("artisan", "<?php\n"),
                (
                    "package.json",
                    r#"{"private":true,"type":"module","scripts":{"build":"vite build"},"devDependencies":{"vite":"^5"}}"#,
                ),
            ],
            check: |m| {
                let s = only(m)?;
                let build = s.build_command.as_ref().map(|b| b.value.as_str());
                let merged = m.skipped.iter().any(|k| k.reason.contains("front-end asset build"));
                if s.framework.as_ref().map(|f| f.value.as_str()) == Some("Laravel")
                    && build == Some("npm run build")
                    && merged
                {
                    Ok(())
                } else {
                    Err(format!("{:?} {build:?} {:?}", s.framework, m.skipped))
                }
            },
        },
        Case {
            name: "ports-of-other-things",
            files: &[
                ("package.json", r#"{"name":"x","scripts":{"start":"node index.js"},"dependencies":{"express":"4"}}"#),
                (
                    "index.js",
                    "const log = { port: process.env.PAPERTRAIL_PORT || 514 };\nconst cache = process.env.MEMCACHED_PORT || 11211;\napp.listen(process.env.PORT || 3000);\n",
                ),
            ],
            check: |m| {
                let got = ports(only(m)?);
                if got == [(Some(3000), Some("PORT".to_string()))] { Ok(()) } else { Err(format!("{got:?}")) }
            },
        },
        Case {
            name: "bundled-browser-code",
            files: &[
                ("package.json", r#"{"name":"x","scripts":{"start":"node server.js"},"dependencies":{"express":"4"}}"#),
                ("server.js", "app.listen(process.env.PORT || 4000);\n"),
                ("public/socket.io.js", "e.listen(1, function(){});\nrouter.get('/health', h);\n"),
                ("static/app.min.js", "x.listen(9999)\n"),
            ],
            check: |m| {
                let s = only(m)?;
                let got = ports(s);
                if got == [(Some(4000), Some("PORT".to_string()))] && s.health_path.is_none() {
                    Ok(())
                } else {
                    Err(format!("{got:?} {:?}", s.health_path))
                }
            },
        },
        Case {
            name: "manifests-are-not-config",
            files: &[
                (
                    "pom.xml",
                    "<project><artifactId>pc</artifactId><dependencies><dependency><artifactId>spring-boot-starter-webmvc</artifactId></dependency></dependencies></project>\n",
                ),
                ("src/main/java/App.java", "public class App { public static void main(String[] a) {} }\n"),
                (
                    "k8s/app.yml",
                    "apiVersion: v1\nkind: Service\nspec:\n  ports:\n    - port: 80\n      targetPort: 8080\n",
                ),
            ],
            check: |m| {
                let s = only(m)?;
                let got = ports(s);
                let kind = s.kind.value.as_str();
                if kind == "web"
                    && got == [(Some(8080), None)]
                    && s.ports[0].confidence == stowage_analyze::model::Confidence::Low
                {
                    Ok(())
                } else {
                    Err(format!("{kind} {got:?}"))
                }
            },
        },
        Case {
            name: "dockerfile-command-beats-a-guess",
            files: &[
                ("requirements.txt", "flask\ngunicorn\n"),
                ("app.py", "from flask import Flask\napp = Flask(__name__)\n"),
                ("Dockerfile", "FROM python:3.12-slim\nCMD [\"gunicorn\", \"app:app\", \"-b\", \"0.0.0.0:80\"]\n"),
            ],
            check: |m| {
                let s = only(m)?;
                let start = s.start_command.as_ref().map(|c| c.value.as_str());
                let got = ports(s);
                if start == Some("gunicorn app:app -b 0.0.0.0:80") && got == [(Some(80), None)] {
                    Ok(())
                } else {
                    Err(format!("{start:?} {got:?}"))
                }
            },
        },
        Case {
            name: "console-app-that-loops-is-a-worker",
            files: &[
                (
                    "Worker.csproj",
                    "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net8.0</TargetFramework></PropertyGroup></Project>\n",
                ),
                ("Program.cs", "while (true)\n{\n    Thread.Sleep(100);\n}\n"),
            ],
            check: |m| {
                let kind = only(m)?.kind.value.as_str();
                if kind == "worker" { Ok(()) } else { Err(kind.to_string()) }
            },
        },
        Case {
            name: "uv-workspace-root-with-scripts",
            files: &[
                ("pyproject.toml", "[project]\nname = \"root\"\n\n[tool.uv.workspace]\nmembers = [\"backend\"]\n"),
                ("scripts/release.py", "if __name__ == \"__main__\":\n    print('x')\n"),
                ("backend/pyproject.toml", "[project]\nname = \"app\"\ndependencies = [\"fastapi\"]\n"),
                ("backend/app/main.py", "from fastapi import FastAPI\napp = FastAPI()\n"),
            ],
            check: |m| {
                let s = only(m)?;
                if s.name == "app" && s.build_context == "." && m.skipped.iter().any(|k| k.path == ".") {
                    Ok(())
                } else {
                    Err(format!("{} {}", s.name, s.build_context))
                }
            },
        },
    ]);
}

#[test]
fn text_that_only_looks_like_evidence() {
    check(&[Case {
        name: "django-settings",
        files: &[
            ("requirements.txt", "Django\n"),
            ("manage.py", "import sys\n"),
            (
                "conduit/settings.py",
                "CORS_ORIGIN_WHITELIST = (\n    '0.0.0.0:4000',\n    'localhost:4000',\n)\nDATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': 'db.sqlite3'}}\n",
            ),
        ],
        check: |m| {
            let s = only(m)?;
            let writable: Vec<&str> = s.writable_paths.iter().map(|w| w.value.as_str()).collect();
            let got = ports(s);
            if got == [(Some(8000), None)] && writable == ["db.sqlite3"] {
                Ok(())
            } else {
                Err(format!("{got:?} {writable:?}"))
            }
        },
    }]);
}
