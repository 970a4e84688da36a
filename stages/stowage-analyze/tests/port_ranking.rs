//! Port evidence ranked by where it applies (issue 8), each class with synthetic apps from two ecosystems: the
//! app's own Dockerfile outranks a Procfile (a platform's process list); a TLS port beside a plain one is not the
//! container's; an address the app gives a peer is no listen address; a self URL yields to the framework's
//! production default; a constant that names the port variable is a read of that variable.

mod support;

/// One synthetic app and the ports (number, variable) analyze must give its main service, with its start command
/// when the case is about it.
struct Case {
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    ports: &'static [(Option<u16>, Option<&'static str>)],
    start: Option<&'static str>,
}

fn check(cases: &[Case]) {
    let mut failures = Vec::new();
    for case in cases {
        let model = support::analyze_app(&support::app(case.name, case.files));
        let Some(service) = model.services.first() else {
            failures.push(format!("{}: no service", case.name));
            continue;
        };
        let ports: Vec<(Option<u16>, Option<&str>)> =
            service.ports.iter().map(|p| (p.value.number, p.value.env.as_deref())).collect();
        if ports != case.ports {
            failures.push(format!("{}: ports {ports:?}, expected {:?}: {:?}", case.name, case.ports, service.ports));
        }
        if let Some(start) = case.start {
            let got = service.start_command.as_ref().map(|c| c.value.as_str());
            if got != Some(start) {
                failures.push(format!("{}: start {got:?}, expected {start:?}", case.name));
            }
        }
        for p in &service.ports {
            if p.evidence.is_empty() {
                failures.push(format!("{}: port {:?} has no evidence", case.name, p.value));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The container runs what the app's own Dockerfile says (its CMD and EXPOSE); the Procfile is for a platform that
/// sets `$PORT` (microblog's boot.sh binds 5000 where its Procfile's gunicorn takes `$PORT` or 8000).
#[test]
fn the_apps_own_dockerfile_outranks_a_procfile() {
    check(&[
        Case {
            name: "python-procfile-and-dockerfile",
            files: &[
                ("requirements.txt", "flask\ngunicorn\n"),
                ("app.py", "from flask import Flask\napp = Flask(__name__)\n"),
                ("Procfile", "web: gunicorn app:app\n"),
                (
                    "Dockerfile",
                    "FROM python:3.13-slim\nCOPY . /app\nRUN pip install -r /app/requirements.txt\nEXPOSE 5000\nCMD [\"gunicorn\", \"-b\", \":5000\", \"app:app\"]\n",
                ),
            ],
            ports: &[(Some(5000), None)],
            start: Some("gunicorn -b :5000 app:app"),
        },
        Case {
            name: "ruby-procfile-and-dockerfile",
            files: &[
                ("Gemfile", "source 'https://rubygems.org'\ngem 'sinatra'\ngem 'puma'\n"),
                ("app.rb", "require 'sinatra'\nget('/') { 'ok' }\n"),
                ("config.ru", "require './app'\nrun Sinatra::Application\n"),
                ("Procfile", "web: bundle exec rackup -p 9292\n"),
                (
                    "Dockerfile",
                    "FROM ruby:3.3-slim\nCOPY . /app\nEXPOSE 8080\nCMD [\"bundle\", \"exec\", \"rackup\", \"-p\", \"8080\", \"-o\", \"0.0.0.0\"]\n",
                ),
            ],
            ports: &[(Some(8080), None)],
            start: Some("bundle exec rackup -p 8080 -o 0.0.0.0"),
        },
    ]);
}

/// In a cluster TLS ends at the ingress: beside a plain port, 443 and 8443 are the same server's HTTPS listener.
#[test]
fn a_tls_port_beside_a_plain_one_is_not_the_containers() {
    check(&[
        Case {
            name: "go-config-with-ssl-port",
            files: &[
                ("go.mod", "module example.com/notes\n\ngo 1.22\n"),
                (
                    "config.go",
                    "package main\n\ntype SSL struct {\n\tEnabled bool\n\tPort    int\n}\n\ntype Server struct {\n\tPort int\n\tSSL  SSL\n}\n\nfunc defaults() Server {\n\treturn Server{\n\t\tPort: 80,\n\t\tSSL: SSL{\n\t\t\tPort: 443,\n\t\t},\n\t}\n}\n",
                ),
                (
                    "main.go",
                    "package main\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\nfunc main() {\n\tc := defaults()\n\thttp.ListenAndServe(fmt.Sprintf(\":%d\", c.Port), nil)\n}\n",
                ),
            ],
            ports: &[(Some(80), None)],
            start: None,
        },
        Case {
            name: "node-http-and-https-servers",
            files: &[
                (
                    "package.json",
                    r#"{"name":"notes","scripts":{"start":"node server.js"},"dependencies":{"express":"4"}}"#,
                ),
                (
                    "server.js",
                    "const app = require('express')();\nrequire('http').createServer(app).listen(8080);\nrequire('https').createServer({}, app).listen(8443);\n",
                ),
            ],
            ports: &[(Some(8080), None)],
            start: None,
        },
    ]);
}

/// An address the app assigns to a peer or calls out to (gin's `RemoteAddr = "127.0.0.1:65535"`, an upstream's
/// address) is not one it listens on.
#[test]
fn an_address_given_to_a_peer_is_no_listen_address() {
    check(&[
        Case {
            name: "go-remote-addr",
            files: &[
                ("go.mod", "module example.com/push\n\ngo 1.22\n\nrequire github.com/gin-gonic/gin v1.10.0\n"),
                (
                    "main.go",
                    "package main\n\nimport \"github.com/gin-gonic/gin\"\n\nfunc main() {\n\tg := gin.New()\n\tg.Use(func(ctx *gin.Context) {\n\t\tif ctx.Request.RemoteAddr == \"@\" {\n\t\t\tctx.Request.RemoteAddr = \"127.0.0.1:65535\"\n\t\t}\n\t})\n\tg.Run(\":8080\")\n}\n",
                ),
            ],
            ports: &[(Some(8080), None)],
            start: None,
        },
        Case {
            name: "node-upstream-address",
            files: &[
                (
                    "package.json",
                    r#"{"name":"gateway","scripts":{"start":"node index.js"},"dependencies":{"express":"4"}}"#,
                ),
                (
                    "index.js",
                    "const upstreamAddr = \"127.0.0.1:9000\";\nconst app = require('express')();\napp.get('/', (req, res) => res.redirect(`http://${upstreamAddr}/`));\napp.listen(3000);\n",
                ),
            ],
            ports: &[(Some(3000), None)],
            start: None,
        },
    ]);
}

/// A URL the app builds to reach itself (`http://localhost:${process.env.PORT ?? 3001}`, written for a dev server
/// on another port) says what the app expects, not what its production server binds: the framework's default wins.
#[test]
fn a_self_url_yields_to_the_frameworks_production_default() {
    check(&[
        Case {
            name: "node-tanstack-start-base-url",
            files: &[
                (
                    "package.json",
                    r#"{"name":"shop","scripts":{"dev":"vite dev","build":"vite build","start":"node .output/server/index.mjs"},"dependencies":{"@tanstack/react-start":"1","react":"19"},"devDependencies":{"vite":"7"}}"#,
                ),
                (
                    "src/lib/url.ts",
                    "export function getBaseUrl() {\n  if (typeof window !== \"undefined\") return window.location.origin;\n  return `http://localhost:${process.env.PORT ?? 3001}`;\n}\n",
                ),
            ],
            ports: &[(Some(3000), Some("PORT"))],
            start: None,
        },
        Case {
            // FastAPI served by uvicorn (8000 unless told otherwise); a client module builds a URL for a dev copy.
            name: "python-fastapi-self-url",
            files: &[
                ("requirements.txt", "fastapi\nuvicorn\nhttpx\n"),
                ("main.py", "from fastapi import FastAPI\napp = FastAPI()\n"),
                ("client.py", "import os\nBASE_URL = f\"http://localhost:{os.environ.get('PORT', '8001')}/api\"\n"),
            ],
            ports: &[(Some(8000), None)],
            start: None,
        },
    ]);
}

/// Code that reads the environment through constants names the port variable in a constant (gotify's
/// `EnvServerPort = "GOTIFY_SERVER_PORT"`): that is the variable which moves the port.
#[test]
fn a_constant_naming_the_port_variable_is_a_read_of_it() {
    check(&[
        Case {
            name: "go-env-key-constants",
            files: &[
                ("go.mod", "module example.com/push\n\ngo 1.22\n"),
                (
                    "keys.go",
                    "package main\n\nconst (\n\tEnvServerPort    = \"PUSH_SERVER_PORT\"\n\tEnvServerSSLPort = \"PUSH_SERVER_SSL_PORT\"\n\tEnvDatabasePort  = \"PUSH_DB_PORT\"\n)\n",
                ),
                (
                    "main.go",
                    "package main\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n\t\"os\"\n\t\"strconv\"\n)\n\nfunc main() {\n\tport := 80\n\tif v, err := strconv.Atoi(os.Getenv(EnvServerPort)); err == nil {\n\t\tport = v\n\t}\n\thttp.ListenAndServe(fmt.Sprintf(\":%d\", port), nil)\n}\n",
                ),
            ],
            ports: &[(Some(80), Some("PUSH_SERVER_PORT"))],
            start: None,
        },
        Case {
            name: "python-env-name-setting",
            files: &[
                ("requirements.txt", "flask\n"),
                ("settings.py", "PORT_ENV_VAR = \"SHOP_HTTP_PORT\"\nDEFAULT_PORT = 5000\n"),
                (
                    "app.py",
                    "import os\nfrom flask import Flask\nimport settings\napp = Flask(__name__)\nif __name__ == \"__main__\":\n    app.run(host=\"0.0.0.0\", port=int(os.environ.get(settings.PORT_ENV_VAR, settings.DEFAULT_PORT)))\n",
                ),
            ],
            ports: &[(Some(5000), Some("SHOP_HTTP_PORT"))],
            start: None,
        },
    ]);
}
