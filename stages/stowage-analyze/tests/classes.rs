//! The classes of mistakes issue 8 found on real apps, each with synthetic apps from at least two ecosystems:
//! backing services the default configuration does not use (required versus optional), and health paths the app
//! does not serve (a path named in a setting is no route).

mod support;

/// One synthetic app and what analyze must say about its only service.
struct Case {
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    /// Backing services as `name` (required) or `name?` (optional), sorted by name.
    backing: &'static [&'static str],
    health: Option<&'static str>,
}

fn check(cases: &[Case]) {
    let mut failures = Vec::new();
    for case in cases {
        let model = support::analyze_app(&support::app(case.name, case.files));
        let Some(service) = model.services.first().filter(|_| model.services.len() == 1) else {
            failures.push(format!("{}: {} services, expected one", case.name, model.services.len()));
            continue;
        };
        let backing: Vec<String> = service
            .backing_services
            .iter()
            .map(|b| if b.required { b.name.clone() } else { format!("{}?", b.name) })
            .collect();
        if backing != case.backing {
            failures.push(format!("{}: backing {backing:?}, expected {:?}", case.name, case.backing));
        }
        for b in &service.backing_services {
            if b.evidence.is_empty() {
                failures.push(format!("{}: {} has no evidence", case.name, b.name));
            }
        }
        let health = service.health_path.as_ref().map(|h| h.value.as_str());
        if health != case.health {
            failures.push(format!("{}: health {health:?}, expected {:?}", case.name, case.health));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A driver for an optional profile, a fallback to an embedded database, a framework config file that lists every
/// driver, a setting with an empty example value: optional. The default connection (config default, `.env.example`,
/// a driver selected by a setting) or a client library that always connects: required.
#[test]
fn backing_services_the_default_configuration_does_not_use_are_optional() {
    check(&[
        Case {
            // Spring: H2 by default, MySQL only under the `mysql` profile.
            name: "spring-mysql-profile",
            files: &[
                (
                    "build.gradle.kts",
                    "plugins { id(\"org.springframework.boot\") version \"3.3.0\" }\ndependencies {\n    implementation(\"org.springframework.boot:spring-boot-starter-web\")\n    runtimeOnly(\"com.h2database:h2\")\n    runtimeOnly(\"com.mysql:mysql-connector-j\")\n}\n",
                ),
                ("settings.gradle.kts", "rootProject.name = \"clinic\"\n"),
                ("src/main/resources/application.properties", "database=h2\nserver.port=8080\n"),
                (
                    "src/main/resources/application-mysql.properties",
                    "spring.datasource.url=jdbc:mysql://localhost/clinic\n",
                ),
                ("src/main/kotlin/App.kt", "@SpringBootApplication\nclass App\n"),
            ],
            backing: &["mysql?"],
            health: None,
        },
        Case {
            // Flask: SQLite unless DATABASE_URL is set; Redis always (RQ); Elasticsearch only when configured.
            name: "flask-sqlite-fallback",
            files: &[
                ("requirements.txt", "flask\npsycopg2-binary\nredis\nrq\nelasticsearch\n"),
                (
                    "config.py",
                    "import os\nclass Config:\n    SQLALCHEMY_DATABASE_URI = os.environ.get('DATABASE_URL') or 'sqlite:///app.db'\n    ELASTICSEARCH_URL = os.environ.get('ELASTICSEARCH_URL')\n    REDIS_URL = os.environ.get('REDIS_URL') or 'redis://'\n",
                ),
                ("app.py", "from flask import Flask\napp = Flask(__name__)\n"),
            ],
            backing: &["elasticsearch?", "postgres?", "redis"],
            health: None,
        },
        Case {
            // Laravel: config/cache.php names memcached and its host, but `.env.example` selects mysql and redis.
            name: "laravel-driver-table",
            files: &[
                (
                    "composer.json",
                    r#"{"require":{"laravel/framework":"^11.0","predis/predis":"^2.0","league/flysystem-aws-s3-v3":"^3.0"}}"#,
                ),
                ("artisan", "#!/usr/bin/env php\n<?php\n"),
                (
                    "config/cache.php",
                    "<?php\nreturn [\n    'memcached' => [\n        'servers' => [['host' => env('MEMCACHED_HOST', '127.0.0.1')]],\n    ],\n    'redis' => ['connection' => env('REDIS_CACHE_CONNECTION', 'cache')],\n];\n",
                ),
                (".env.example", "DB_CONNECTION=mysql\nCACHE_STORE=redis\nREDIS_HOST=127.0.0.1\nAWS_BUCKET=\n"),
                ("routes/web.php", "<?php\nRoute::get('/', fn () => view('welcome'));\n"),
            ],
            backing: &["memcached?", "mysql", "redis", "s3?"],
            health: None,
        },
        Case {
            // Django: S3 storage only when FILE_STORAGE says so; the example leaves its keys empty.
            name: "django-s3-optional",
            files: &[
                ("requirements.txt", "Django==5.0\npsycopg2==2.9\nboto3==1.34\n"),
                ("manage.py", "import django\n"),
                (
                    "mysite/settings.py",
                    "import environ\nenv = environ.Env()\nDATABASES = {'default': env.db('DATABASE_URL', default='postgres:///mysite')}\nAWS_S3_SIGNATURE_VERSION = env('AWS_S3_SIGNATURE_VERSION', default='s3v4')\n",
                ),
                (".env.example", "FILE_STORAGE=\"local\" # s3\nAWS_S3_ACCESS_KEY_ID=\"\"\n"),
            ],
            backing: &["postgres", "s3?"],
            health: None,
        },
        Case {
            // Rails: the production cache store is memcached; a benchmark script's in-memory SQLite is not the app's.
            name: "rails-memcached-perf-script",
            files: &[
                (
                    "Gemfile",
                    "source 'https://rubygems.org'\ngem 'rails', '7.1.0'\ngem 'pg'\ngem 'dalli'\ngem 'aws-sdk-s3'\n",
                ),
                ("config.ru", "run Rails.application\n"),
                ("config/application.rb", "module Shop\n  class Application < Rails::Application\n  end\nend\n"),
                (
                    "config/environments/production.rb",
                    "Rails.application.configure do\n  config.cache_store = :mem_cache_store\nend\n",
                ),
                (
                    "perf_scripts/bench.rb",
                    "ActiveRecord::Base.establish_connection(adapter: \"sqlite3\", database: \":memory:\")\n",
                ),
            ],
            backing: &["memcached", "postgres", "s3?"],
            health: None,
        },
        Case {
            // ASP.NET Core: a SQL Server connection string in appsettings.json.
            name: "aspnet-sqlserver",
            files: &[
                ("Shop.csproj", "<Project Sdk=\"Microsoft.NET.Sdk.Web\">\n</Project>\n"),
                ("Program.cs", "var app = WebApplication.CreateBuilder(args).Build();\napp.Run();\n"),
                (
                    "appsettings.json",
                    "{\n  \"ConnectionStrings\": {\n    \"Catalog\": \"Server=(localdb)\\\\mssqllocaldb;Integrated Security=true;Initial Catalog=Shop;\"\n  }\n}\n",
                ),
            ],
            backing: &["sqlserver"],
            health: None,
        },
    ]);
}

/// A path named in a setting, a comment, an event name or a probe URL is no health endpoint; a route the app
/// registers is, whatever the call looks like.
/// The app's own compose deployments are configuration too: a connection every one of them sets (a service's
/// `env_file` or `environment`) is the default one, whatever fallback the code keeps for running without them; a
/// connection only one deployment, or only a development override, sets is optional.
#[test]
fn connections_the_apps_compose_deployments_make_are_required() {
    check(&[
        Case {
            // FastAPI with Celery: SQLite in code, PostgreSQL in both compose projects' env files, RabbitMQ in the
            // production one only.
            name: "python-compose-env-file",
            files: &[
                ("requirements.txt", "fastapi\nuvicorn\npsycopg2-binary\ncelery\n"),
                (
                    "main.py",
                    "import os\nfrom fastapi import FastAPI\nDATABASE_URL = os.environ.get(\"DATABASE_URL\", \"sqlite:///./db.sqlite3\")\napp = FastAPI()\n",
                ),
                (".env/.dev-sample", "DATABASE_URL=postgresql://shop:shop@db/shop\n"),
                (
                    ".env/.prod-sample",
                    "DATABASE_URL=postgresql://shop:shop@db/shop\nCELERY_BROKER_URL=amqp://shop:shop@rabbitmq:5672/\n",
                ),
                (
                    "docker-compose.yml",
                    "services:\n  web:\n    build: .\n    command: uvicorn main:app --host 0.0.0.0 --port 8000\n    env_file:\n      - .env/.dev-sample\n  db:\n    image: postgres:17\n",
                ),
                (
                    "docker-compose.prod.yml",
                    "services:\n  web:\n    build: .\n    command: uvicorn main:app --host 0.0.0.0 --port 8000\n    env_file: .env/.prod-sample\n  db:\n    image: postgres:17\n  rabbitmq:\n    image: rabbitmq:4\n",
                ),
            ],
            backing: &["postgres", "rabbitmq?"],
            health: None,
        },
        Case {
            // Express with knex: SQLite in code, PostgreSQL in the compose file's `environment` (map form), Redis
            // in the development override only (list form).
            name: "node-compose-environment",
            files: &[
                (
                    "package.json",
                    r#"{"name":"shop","scripts":{"start":"node server.js"},"dependencies":{"express":"4","knex":"3","pg":"8","sqlite3":"5","ioredis":"5"}}"#,
                ),
                (
                    "server.js",
                    "const knex = require('knex')({ client: 'pg', connection: process.env.DATABASE_URL || 'sqlite:./dev.sqlite3' });\nrequire('express')().listen(3000);\n",
                ),
                (
                    "compose.yaml",
                    "services:\n  web:\n    build: .\n    environment:\n      DATABASE_URL: postgres://shop:shop@db:5432/shop\n  db:\n    image: postgres:17\n",
                ),
                (
                    "compose.override.yaml",
                    "services:\n  web:\n    environment:\n      - REDIS_URL=redis://cache:6379\n",
                ),
            ],
            backing: &["postgres", "redis?"],
            health: None,
        },
    ]);
}

#[test]
fn health_paths_come_from_registered_routes_only() {
    check(&[
        Case {
            // Python: the logger silences /health and an event is named "status"; the app registers neither.
            name: "fastapi-silenced-path",
            files: &[
                ("requirements.txt", "fastapi\nuvicorn\n"),
                (
                    "main.py",
                    "from fastapi import FastAPI\nSILENCED_PATHS = [\"/health\", \"/status\"]\napp = FastAPI()\n\n@app.get(\"/\")\ndef index():\n    return {}\n\ndef notify(task):\n    emit(\"status\", get_task_info(task))\n",
                ),
            ],
            backing: &[],
            health: None,
        },
        Case {
            // Go (Gin): the route is registered with Match, its path the second argument.
            name: "gin-match-health",
            files: &[
                ("go.mod", "module example.com/notify\n\ngo 1.22\n\nrequire github.com/gin-gonic/gin v1.10.0\n"),
                (
                    "main.go",
                    "package main\n\nimport \"github.com/gin-gonic/gin\"\n\nfunc main() {\n\tg := gin.New()\n\tg.Match([]string{\"GET\", \"HEAD\"}, \"/health\", health)\n\tg.Run(\":8080\")\n}\n",
                ),
            ],
            backing: &[],
            health: Some("/health"),
        },
        Case {
            // Node: a probe URL in a config object and a log filter are not routes; the app serves /livez.
            name: "express-probe-config",
            files: &[
                ("package.json", r#"{"name":"p","scripts":{"start":"node index.js"},"dependencies":{"express":"4"}}"#),
                (
                    "index.js",
                    "const express = require('express');\nconst monitor = { probeUrl: '/healthz', ignore: ['/health'] };\nconst app = express();\napp.get('/livez', (req, res) => res.send('ok'));\napp.listen(3000);\n",
                ),
            ],
            backing: &[],
            health: Some("/livez"),
        },
    ]);
}

/// Servers without a framework route by comparing the request path: a Rust match arm, a Go switch case, a Node
/// equality test. Those paths are routes; the same literal compared with anything else (a setting, an event) is not.
#[test]
fn health_paths_from_the_apps_own_dispatch() {
    check(&[
        Case {
            // Rust, standard library only: a match on the request path.
            name: "rust-std-match",
            files: &[
                ("Cargo.toml", "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
                (
                    "src/main.rs",
                    "use std::net::TcpListener;\nfn route(path: &str) -> &str {\n    match path {\n        \"/\" => \"hello\",\n        \"/ping\" | \"/healthz\" => \"ok\",\n        _ => \"404\",\n    }\n}\nfn main() {\n    let listener = TcpListener::bind(\"0.0.0.0:8080\").unwrap();\n    for s in listener.incoming() { let _ = (s, route(\"/\")); }\n}\n",
                ),
            ],
            backing: &[],
            health: Some("/healthz"),
        },
        Case {
            // Go, net/http with one handler that switches on the path.
            name: "go-switch-path",
            files: &[
                ("go.mod", "module example.com/tiny\n\ngo 1.22\n"),
                (
                    "main.go",
                    "package main\n\nimport \"net/http\"\n\nfunc main() {\n\thttp.ListenAndServe(\":8080\", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {\n\t\tswitch r.URL.Path {\n\t\tcase \"/health\":\n\t\t\tw.Write([]byte(\"ok\"))\n\t\tdefault:\n\t\t\thttp.NotFound(w, r)\n\t\t}\n\t}))\n}\n",
                ),
            ],
            backing: &[],
            health: Some("/health"),
        },
        Case {
            // Node's http module: an equality test on req.url; a setting compared elsewhere is no route.
            name: "node-http-url-test",
            files: &[
                ("package.json", r#"{"name":"tiny","scripts":{"start":"node server.js"}}"#),
                (
                    "server.js",
                    "const http = require('http');\nconst quiet = process.env.QUIET === '/livez';\nhttp.createServer((req, res) => {\n  if (req.url === '/readyz') { res.end('ready'); return; }\n  if (req.url === '/health') { res.end('ok'); return; }\n  res.end('hello');\n}).listen(3000);\n",
                ),
            ],
            backing: &[],
            health: Some("/health"),
        },
    ]);
}

/// A declared version constraint is recorded as written and the strategy names it as a constraint, never as an
/// image tag (`ruby:>= 3.2-slim`); an exact version stays a tag.
#[test]
fn version_constraints_are_not_image_tags() {
    // (app, files, the declared constraint, the image family it must not be glued to)
    type ConstraintCase<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: &[ConstraintCase] = &[
        (
            "ruby-constraint",
            &[
                ("Gemfile", "source 'https://rubygems.org'\nruby \">= 3.2\"\ngem 'sinatra'\n"),
                ("config.ru", "require './app'\nrun Sinatra::Application\n"),
                ("app.rb", "require 'sinatra'\nget '/' do\n  'hi'\nend\n"),
            ],
            ">= 3.2",
            "ruby:",
        ),
        (
            "node-constraint",
            &[
                (
                    "package.json",
                    r#"{"name":"n","engines":{"node":"^20.11"},"scripts":{"start":"node index.js"},"dependencies":{"express":"4"}}"#,
                ),
                ("index.js", "const app = require('express')();\napp.listen(3000);\n"),
            ],
            "^20.11",
            "node:",
        ),
    ];
    for (name, files, constraint, family) in cases {
        let model = support::analyze_app(&support::app(name, files));
        let service = &model.services[0];
        assert_eq!(service.runtime_version.as_ref().map(|v| v.value.as_str()), Some(*constraint), "{name}");
        let doc = stowage_analyze::doc::render(&model);
        assert!(doc.contains(&format!("satisfies the app's constraint `{constraint}`")), "{name}:\n{doc}");
        assert!(!doc.contains(&format!("{family}{constraint}")), "{name}: the constraint is written as a tag:\n{doc}");
    }
}

/// A repository's build script, tools and examples are projects too, but not deployables: a .NET build project
/// (Nuke) run by build.sh, a Go program under tools/, a Rust xtask. Each is skipped with its reason; the app's own
/// service stays.
#[test]
fn build_tooling_is_not_a_service() {
    type ToolingCase<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: &[ToolingCase] = &[
        (
            "dotnet-nuke-build",
            &[
                ("src/Api/Api.csproj", "<Project Sdk=\"Microsoft.NET.Sdk.Web\">\n</Project>\n"),
                ("src/Api/Program.cs", "var app = WebApplication.CreateBuilder(args).Build();\napp.Run();\n"),
                (
                    "build/_build.csproj",
                    "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <PropertyGroup>\n    <OutputType>Exe</OutputType>\n  </PropertyGroup>\n  <ItemGroup>\n    <PackageReference Include=\"Nuke.Common\" Version=\"8.0.0\" />\n  </ItemGroup>\n</Project>\n",
                ),
                (
                    "build/Build.cs",
                    "class Build : NukeBuild { public static int Main() => Execute<Build>(x => x.Compile); }\n",
                ),
                ("build.sh", "#!/usr/bin/env bash\ndotnet run --project build/_build.csproj -- \"$@\"\n"),
            ],
            "api",
            "build",
        ),
        (
            "go-tools-program",
            &[
                ("go.mod", "module example.com/shop\n\ngo 1.22\n"),
                (
                    "cmd/server/main.go",
                    "package main\n\nimport \"net/http\"\n\nfunc main() {\n\thttp.ListenAndServe(\":8080\", nil)\n}\n",
                ),
                (
                    "tools/gen/main.go",
                    "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"generated\")\n}\n",
                ),
            ],
            "server",
            "tools/gen",
        ),
        (
            "rust-xtask",
            &[
                ("Cargo.toml", "[workspace]\nmembers = [\"server\", \"xtask\"]\n"),
                (
                    "server/Cargo.toml",
                    "[package]\nname = \"server\"\nversion = \"0.1.0\"\n\n[dependencies]\naxum = \"0.7\"\n",
                ),
                ("server/src/main.rs", "fn main() {\n    let app = axum::Router::new();\n}\n"),
                ("xtask/Cargo.toml", "[package]\nname = \"xtask\"\nversion = \"0.1.0\"\n"),
                ("xtask/src/main.rs", "fn main() {\n    println!(\"ci\");\n}\n"),
            ],
            "server",
            "xtask",
        ),
    ];
    for (name, files, service, tooling) in cases {
        let model = support::analyze_app(&support::app(name, files));
        let names: Vec<&str> = model.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, [*service], "{name}");
        let skip = model.skipped.iter().find(|s| s.path == *tooling);
        assert!(
            skip.is_some_and(|s| s.reason.contains("not a deployable")),
            "{name}: {tooling} is not skipped as tooling: {:?}",
            model.skipped
        );
    }
}

/// Port evidence ranked by where it applies: a dev server's setting is weaker than the production server's default,
/// a stale EXPOSE is weaker than the base image's documented port, and a server's default keeps the variable that
/// moves it.
#[test]
fn ports_come_from_where_the_app_runs_in_production() {
    type PortCase<'a> = (&'a str, &'a [(&'a str, &'a str)], (Option<u16>, Option<&'a str>));
    let cases: &[PortCase] = &[
        (
            // Node: TanStack Start serves on Nitro's 3000 (or $PORT); vite.config's 3001 is the dev server.
            "tanstack-start-dev-port",
            &[
                (
                    "package.json",
                    r#"{"name":"s","scripts":{"dev":"vite dev","build":"vite build","start":"vite start"},"dependencies":{"@tanstack/react-start":"^1.135.0","vite":"^7.0.0"}}"#,
                ),
                ("vite.config.ts", "export default defineConfig({\n  server: {\n    port: 3001,\n  },\n});\n"),
                ("src/router.tsx", "export const router = createRouter();\n"),
            ],
            (Some(3000), Some("PORT")),
        ),
        (
            // .NET: the aspnet:8.0 image listens on 8080; the Dockerfile's `EXPOSE 80` is stale documentation.
            "aspnet8-stale-expose",
            &[
                ("Api.csproj", "<Project Sdk=\"Microsoft.NET.Sdk.Web\">\n</Project>\n"),
                ("Program.cs", "var app = WebApplication.CreateBuilder(args).Build();\napp.Run();\n"),
                (
                    "Dockerfile",
                    "FROM mcr.microsoft.com/dotnet/aspnet:8.0 AS base\nEXPOSE 80\nEXPOSE 443\nFROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nCOPY . .\nRUN dotnet publish -o /app\nFROM base\nCOPY --from=build /app .\nENTRYPOINT [\"dotnet\", \"Api.dll\"]\n",
                ),
            ],
            (Some(8080), Some("ASPNETCORE_URLS")),
        ),
        (
            // Python: gunicorn without a bind listens on 8000, or on $PORT when the platform sets it.
            "gunicorn-default-bind",
            &[
                ("requirements.txt", "Django==5.0\ngunicorn==22.0\n"),
                ("manage.py", "import django\n"),
                ("Procfile", "web: gunicorn mysite.wsgi:application --access-logfile -\n"),
            ],
            (Some(8000), Some("PORT")),
        ),
    ];
    for (name, files, (number, env)) in cases {
        let model = support::analyze_app(&support::app(name, files));
        let ports: Vec<(Option<u16>, Option<&str>)> =
            model.services[0].ports.iter().map(|p| (p.value.number, p.value.env.as_deref())).collect();
        assert_eq!(ports, [(*number, *env)], "{name}");
    }
}

/// A compose service that builds the app's image and runs another command (an RQ worker, a queue consumer) is a
/// process of the app, like a Procfile's; the service that publishes the port stays the web process, and a command
/// a Procfile already runs is not counted twice.
#[test]
fn compose_worker_commands_are_processes() {
    type ProcessCase<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: &[ProcessCase] = &[
        (
            "flask-rq-compose",
            &[
                ("requirements.txt", "Flask==3.0\nredis==5.0\nrq==1.16\n"),
                ("app.py", "from flask import Flask\napp = Flask(__name__)\n"),
                ("Dockerfile", "FROM python:3.12-slim\nCOPY . .\nCMD flask run --host=0.0.0.0\n"),
                (
                    "docker-compose.yml",
                    "services:\n  redis:\n    image: redis:7\n  flask:\n    build: .\n    ports:\n      - \"5000:5000\"\n  worker:\n    build: .\n    command: rq worker --url redis://redis:6379\n  migrate:\n    build: .\n    command: flask db migrate\n",
                ),
            ],
            &["web", "worker"],
        ),
        (
            "node-queue-compose",
            &[
                (
                    "package.json",
                    r#"{"name":"q","scripts":{"start":"node server.js"},"dependencies":{"express":"4","bullmq":"5"}}"#,
                ),
                ("server.js", "const app = require('express')();\napp.listen(3000);\n"),
                ("consumer.js", "const { Worker } = require('bullmq');\nnew Worker('jobs', async () => {});\n"),
                (
                    "compose.yaml",
                    "services:\n  api:\n    build: .\n    ports: [\"3000:3000\"]\n  consumer:\n    build: .\n    command: [\"node\", \"consumer.js\"]\n",
                ),
            ],
            &["web", "worker"],
        ),
    ];
    for (name, files, kinds) in cases {
        let model = support::analyze_app(&support::app(name, files));
        let mut got: Vec<&str> = model.services.iter().map(|s| s.kind.value.as_str()).collect();
        got.sort();
        assert_eq!(got, *kinds, "{name}: {:?}", model.services.iter().map(|s| &s.name).collect::<Vec<_>>());
        let worker = model.services.iter().find(|s| s.kind.value.as_str() == "worker").expect("a worker");
        let command = worker.start_command.as_ref().map(|c| c.value.as_str()).unwrap_or("");
        assert!(command.contains("worker") || command.contains("consumer"), "{name}: {command}");
    }
}

/// The object the server imports is a module attribute: made at module level (`app = FastAPI()`), or by a factory
/// whose result is assigned at module level (`app = create_app()`), or else the factory itself, called by the server
/// (`uvicorn --factory`, gunicorn's `module:create_app()`). An `app` local to a factory is no attribute: naming it
/// fails at start-up (found on fastapi-celery-project).
#[test]
fn start_commands_name_a_module_attribute() {
    // (app, its files, the start command analyze must give)
    type StartCase<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[StartCase] = &[
        (
            "fastapi-factory-assigned",
            &[
                ("requirements.txt", "fastapi==0.115.0\nuvicorn==0.30.0\n"),
                (
                    "project/__init__.py",
                    "from fastapi import FastAPI\n\n\ndef create_app() -> FastAPI:\n    app = FastAPI()\n    return app\n",
                ),
                ("project/asgi.py", "from project import create_app\n\napp = create_app()\n"),
                ("tests/conftest.py", "from project import create_app\n\napp = create_app()\n"),
            ],
            "uvicorn project.asgi:app --host 0.0.0.0",
        ),
        (
            "fastapi-factory-only",
            &[
                ("requirements.txt", "fastapi==0.115.0\nuvicorn==0.30.0\n"),
                (
                    "service/__init__.py",
                    "import fastapi\n\n\ndef build():\n    api = fastapi.FastAPI()\n    return api\n",
                ),
            ],
            "uvicorn --factory service:build --host 0.0.0.0",
        ),
        (
            "fastapi-module-level-other-name",
            &[
                ("requirements.txt", "fastapi==0.115.0\nuvicorn==0.30.0\n"),
                ("src/api/main.py", "from fastapi import FastAPI\n\napi: FastAPI = FastAPI(title=\"x\")\n"),
            ],
            "uvicorn api.main:api --host 0.0.0.0",
        ),
        (
            "fastapi-module-level-conditional",
            &[
                ("requirements.txt", "fastapi==0.115.0\nuvicorn==0.30.0\n"),
                (
                    "main.py",
                    "import os\nfrom fastapi import FastAPI\n\nif os.environ.get(\"DEBUG\"):\n    server = FastAPI(debug=True)\nelse:\n    server = FastAPI()\n",
                ),
            ],
            "uvicorn main:server --host 0.0.0.0",
        ),
        (
            "flask-gunicorn-factory",
            &[
                ("requirements.txt", "flask==3.0.0\ngunicorn==22.0.0\n"),
                (
                    "shop/__init__.py",
                    "from flask import Flask\n\n\ndef create_app():\n    app = Flask(__name__)\n    return app\n",
                ),
            ],
            "gunicorn shop:create_app() --bind 0.0.0.0:8000",
        ),
        (
            "flask-gunicorn-module-level",
            &[
                ("requirements.txt", "flask==3.0.0\ngunicorn==22.0.0\n"),
                ("wsgi.py", "from shop import make\n\napplication = make()\n"),
                (
                    "shop/__init__.py",
                    "from flask import Flask\n\n\ndef make():\n    app = Flask(__name__)\n    return app\n",
                ),
            ],
            "gunicorn wsgi:application --bind 0.0.0.0:8000",
        ),
    ];
    let mut failures = Vec::new();
    for (name, files, expected) in cases {
        let model = support::analyze_app(&support::app(name, files));
        let start = model.services.first().and_then(|s| s.start_command.as_ref()).map(|c| c.value.clone());
        if start.as_deref() != Some(*expected) {
            failures.push(format!("{name}: start {start:?}, expected {expected:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
