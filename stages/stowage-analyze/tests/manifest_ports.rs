//! The app's own compose files and Kubernetes manifests as port evidence: they confirm the code's port, or give
//! the number (at low confidence) when the code names none; they never add a port that disagrees with the code,
//! and containers of backing-service images or of other deployables are not credited.

mod support;

use stowage_analyze::model::{Confidence, Model, Service};

/// (service, ports as (number, variable, confidence), whether a manifest is among the first port's evidence)
type Want = (&'static str, &'static [(Option<u16>, Option<&'static str>, Confidence)], bool);

struct Case {
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    want: &'static [Want],
}

fn from_manifest(s: &Service) -> bool {
    s.ports.first().is_some_and(|p| {
        p.evidence
            .iter()
            .any(|e| ["compose service", "containerPort", "targetPort"].iter().any(|t| e.detail.contains(t)))
    })
}

#[test]
fn compose_and_kubernetes_ports() {
    let cases = [
        Case {
            name: "compose-build-context-gives-the-number",
            files: &[
                (
                    "api/package.json",
                    r#"{"name":"api","scripts":{"start":"node index.js"},"dependencies":{"express":"4"}}"#,
                ),
                ("api/index.js", "const app = require('express')();\napp.listen(process.env.PORT);\n"),
                (
                    "docker-compose.yml",
                    "services:\n  backend:\n    build: ./api\n    ports:\n      - \"8080:3000\"\n  db:\n    image: postgres:16\n    ports: [\"5432:5432\"]\n",
                ),
            ],
            want: &[("api", &[(Some(3000), Some("PORT"), Confidence::Low)], true)],
        },
        Case {
            name: "compose-long-syntax-and-expose",
            files: &[
                ("requirements.txt", "flask\n"),
                ("app.py", "from flask import Flask\napp = Flask(__name__)\n"),
                (
                    "compose.yaml",
                    "services:\n  web:\n    build:\n      context: .\n      dockerfile: Dockerfile\n    expose:\n      - \"8000\"\n",
                ),
            ],
            want: &[("app", &[(Some(8000), None, Confidence::Low)], true)],
        },
        Case {
            name: "kubernetes-container-port-beats-the-framework-default",
            files: &[
                ("requirements.txt", "flask\n"),
                ("app.py", "from flask import Flask\napp = Flask(__name__)\n"),
                (
                    "k8s/app.yaml",
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\nspec:\n  template:\n    metadata:\n      labels:\n        app: shop\n    spec:\n      containers:\n        - name: shop\n          image: ghcr.io/acme/shop:1.0\n          ports:\n            - name: http\n              containerPort: 8000\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: shop\nspec:\n  selector:\n    app: shop\n  ports:\n    - port: 80\n      targetPort: http\n",
                ),
            ],
            want: &[("app", &[(Some(8000), None, Confidence::Low)], true)],
        },
        Case {
            name: "manifest-confirms-the-code",
            files: &[
                ("package.json", r#"{"name":"web","scripts":{"start":"node s.js"},"dependencies":{"express":"4"}}"#),
                ("s.js", "require('express')().listen(3000);\n"),
                (
                    "deploy/web.yaml",
                    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: web\n    ports:\n    - containerPort: 3000\n",
                ),
            ],
            want: &[("web", &[(Some(3000), None, Confidence::High)], true)],
        },
        Case {
            // The compose file runs the app on 8080 through its variable; the code's port stays the only one.
            name: "manifest-disagreeing-with-the-code",
            files: &[
                ("package.json", r#"{"name":"web","scripts":{"start":"node s.js"},"dependencies":{"express":"4"}}"#),
                ("s.js", "require('express')().listen(process.env.PORT || 3000);\n"),
                (
                    "docker-compose.yml",
                    "services:\n  web:\n    build: .\n    environment:\n      PORT: 8080\n    ports:\n      - 8080:8080\n",
                ),
            ],
            want: &[("web", &[(Some(3000), Some("PORT"), Confidence::High)], false)],
        },
        Case {
            // A compose service that runs its own command from the app's image (Celery's Flower dashboard)
            // publishes its own port: it is that process's, not the web app's (issue 8, port evidence by where it
            // applies). A production file that leaves its ports out is the same process.
            name: "compose-process-publishes-its-own-port-python",
            files: &[
                ("requirements.txt", "flask\ngunicorn\ncelery\nflower\n"),
                ("app.py", "from flask import Flask\napp = Flask(__name__)\n"),
                ("tasks.py", "from celery import Celery\ncelery = Celery('tasks')\n"),
                (
                    "docker-compose.yml",
                    "services:\n  web:\n    build: .\n    command: gunicorn -b 0.0.0.0:8000 app:app\n    ports:\n      - 8010:8000\n  flower:\n    build: .\n    command: celery -A tasks flower --port=5555\n    ports:\n      - 5557:5555\n",
                ),
                (
                    "docker-compose.prod.yml",
                    "services:\n  flower:\n    build: .\n    command: celery -A tasks flower --port=5555\n",
                ),
            ],
            want: &[
                ("app", &[(Some(8000), None, Confidence::Medium)], true),
                ("app-flower", &[(Some(5555), None, Confidence::Low)], true),
            ],
        },
        Case {
            name: "compose-process-publishes-its-own-port-node",
            files: &[
                (
                    "package.json",
                    r#"{"name":"shop","scripts":{"start":"node server.js"},"dependencies":{"express":"4","bullmq":"5"}}"#,
                ),
                ("server.js", "require('express')().listen(3000);\n"),
                (
                    "compose.yaml",
                    "services:\n  api:\n    build: .\n    ports:\n      - 3000:3000\n  queue-dashboard:\n    build: .\n    command: npx bull-board --port 3001\n    ports:\n      - 3001:3001\n",
                ),
            ],
            want: &[
                ("shop", &[(Some(3000), None, Confidence::High)], true),
                ("shop-queue-dashboard", &[(Some(3001), None, Confidence::Low)], true),
            ],
        },
        Case {
            // In a monorepo each manifest goes to the deployable it names; a worker gets no port from one.
            name: "monorepo-manifests-by-name",
            files: &[
                ("api/go.mod", "module example.com/api\n\ngo 1.22\n"),
                (
                    "api/main.go",
                    "package main\n\nimport \"net/http\"\n\nfunc main() { http.ListenAndServe(\":\"+port(), nil) }\n",
                ),
                ("web/package.json", r#"{"name":"web","scripts":{"start":"next start"},"dependencies":{"next":"14"}}"#),
                ("worker/requirements.txt", "celery\n"),
                ("worker/tasks.py", "from celery import Celery\napp = Celery('tasks')\n"),
                (
                    "k8s/api.yaml",
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: acme/api:2\n          ports:\n            - containerPort: 9090\n",
                ),
                (
                    "k8s/worker.yaml",
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  template:\n    spec:\n      containers:\n        - name: worker\n          image: acme/worker:2\n          ports:\n            - containerPort: 9100\n",
                ),
            ],
            want: &[
                ("api", &[(Some(9090), None, Confidence::Low)], true),
                ("web", &[(Some(3000), Some("PORT"), Confidence::Low)], false),
                ("worker", &[], false),
            ],
        },
    ];
    let mut failures = Vec::new();
    for case in &cases {
        let model: Model = support::analyze_app(&support::app(case.name, case.files));
        for (name, ports, manifest) in case.want {
            let Some(s) = model.services.iter().find(|s| s.name == *name) else {
                let names: Vec<&str> = model.services.iter().map(|s| s.name.as_str()).collect();
                failures.push(format!("{}: no service `{name}` among {names:?}", case.name));
                continue;
            };
            let got: Vec<(Option<u16>, Option<&str>, Confidence)> =
                s.ports.iter().map(|p| (p.value.number, p.value.env.as_deref(), p.confidence)).collect();
            if got != *ports || from_manifest(s) != *manifest {
                failures.push(format!(
                    "{} `{name}`: got {got:?} (manifest evidence: {}), want {ports:?} ({manifest}): {:?}",
                    case.name,
                    from_manifest(s),
                    s.ports
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
