//! Port and health detection per framework: the fixture app, a second layout (sub-folder, routes in another file,
//! another idiom), and a negative case without a health route (none reported, never a guess).

mod support;

use std::path::PathBuf;

use stowage_analyze::model::Model;

enum Layout {
    /// A fixture app under tests/fixtures/apps.
    Fixture(&'static str),
    /// Files written to a fresh folder.
    Files(&'static [(&'static str, &'static str)]),
}

struct Case {
    name: &'static str,
    layout: Layout,
    /// The service to look at; `None` when the app has exactly one.
    service: Option<&'static str>,
    framework: &'static str,
    /// The first (strongest) port and the variable that overrides it; no number when only the variable sets it.
    port: Option<(Option<u16>, Option<&'static str>)>,
    health: Option<&'static str>,
}

fn model_of(case: &Case) -> Model {
    let dir: PathBuf = match case.layout {
        Layout::Fixture(name) => support::repo_root().join("tests/fixtures/apps").join(name),
        Layout::Files(files) => support::app(case.name, files),
    };
    support::analyze_app(&dir)
}

/// Runs every case and reports all mismatches at once.
fn check(cases: &[Case]) {
    let mut failures = Vec::new();
    for case in cases {
        let model = model_of(case);
        let service = match case.service {
            Some(name) => model.services.iter().find(|s| s.name == name),
            None if model.services.len() == 1 => model.services.first(),
            None => None,
        };
        let Some(service) = service else {
            let names: Vec<&str> = model.services.iter().map(|s| s.name.as_str()).collect();
            failures.push(format!("{}: service {:?} not found among {names:?}", case.name, case.service));
            continue;
        };
        let framework = service.framework.as_ref().map(|f| f.value.as_str()).unwrap_or("");
        if framework != case.framework {
            failures.push(format!("{}: framework {framework:?}, expected {:?}", case.name, case.framework));
        }
        let port = service.ports.first().map(|p| (p.value.number, p.value.env.clone()));
        let expected_port = case.port.map(|(n, e)| (n, e.map(str::to_string)));
        if port != expected_port {
            failures.push(format!("{}: port {port:?}, expected {expected_port:?}", case.name));
        }
        let health = service.health_path.as_ref().map(|h| h.value.as_str());
        if health != case.health {
            failures.push(format!("{}: health {health:?}, expected {:?}", case.name, case.health));
        }
        for p in &service.ports {
            assert!(!p.evidence.is_empty(), "{}: a port without evidence", case.name);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn node() {
    check(&[
        Case {
            name: "express",
            layout: Layout::Fixture("node-express"),
            service: None,
            framework: "Express",
            port: Some((Some(3000), Some("PORT"))),
            health: Some("/health"),
        },
        Case {
            name: "express-subfolder-router",
            layout: Layout::Files(&[
                (
                    "server/package.json",
                    r#"{"name":"srv","scripts":{"start":"node src/app.js"},"dependencies":{"express":"4"}}"#,
                ),
                (
                    "server/src/app.js",
                    "const app = require('express')();\napp.use('/', require('./routes'));\nconst PORT = process.env.HTTP_PORT ?? 5050;\napp.listen(PORT);\n",
                ),
                (
                    "server/src/routes.js",
                    "const r = require('express').Router();\nr.get('/healthz', (q, s) => s.send('ok'));\nmodule.exports = r;\n",
                ),
            ]),
            service: Some("srv"),
            framework: "Express",
            port: Some((Some(5050), Some("HTTP_PORT"))),
            health: Some("/healthz"),
        },
        Case {
            name: "express-negative",
            layout: Layout::Fixture("node-express-no-health"),
            service: None,
            framework: "Express",
            port: Some((Some(8080), None)),
            health: None,
        },
        Case {
            name: "fastify",
            layout: Layout::Fixture("node-fastify-router"),
            service: None,
            framework: "Fastify",
            port: Some((Some(8080), Some("PORT"))),
            health: Some("/healthz"),
        },
        Case {
            name: "fastify-literal",
            layout: Layout::Files(&[
                ("package.json", r#"{"name":"f","main":"index.js","dependencies":{"fastify":"4"}}"#),
                (
                    "index.js",
                    "const app = require('fastify')();\napp.get('/ping', async () => 'pong');\napp.listen({ port: 9100, host: '0.0.0.0' });\n",
                ),
            ]),
            service: None,
            framework: "Fastify",
            port: Some((Some(9100), None)),
            health: Some("/ping"),
        },
        Case {
            name: "fastify-negative",
            layout: Layout::Files(&[
                ("package.json", r#"{"name":"f","scripts":{"start":"node index.js"},"dependencies":{"fastify":"4"}}"#),
                (
                    "index.js",
                    "const app = require('fastify')();\napp.get('/', async () => 'hi');\napp.listen({ port: 3000 });\n",
                ),
            ]),
            service: None,
            framework: "Fastify",
            port: Some((Some(3000), None)),
            health: None,
        },
        Case {
            name: "nestjs",
            layout: Layout::Fixture("node-nestjs"),
            service: None,
            framework: "NestJS",
            port: Some((Some(3000), Some("PORT"))),
            health: Some("/health"),
        },
        Case {
            name: "nestjs-negative-literal",
            layout: Layout::Files(&[
                (
                    "package.json",
                    r#"{"name":"n","scripts":{"start":"node dist/main.js"},"dependencies":{"@nestjs/core":"10"}}"#,
                ),
                (
                    "src/main.ts",
                    "async function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  await app.listen(4001);\n}\n",
                ),
            ]),
            service: None,
            framework: "NestJS",
            port: Some((Some(4001), None)),
            health: None,
        },
        Case {
            name: "nextjs",
            layout: Layout::Fixture("node-nextjs"),
            service: None,
            framework: "Next.js",
            port: Some((Some(3000), Some("PORT"))),
            health: Some("/api/health"),
        },
        Case {
            name: "nextjs-app-router-port-flag",
            layout: Layout::Files(&[
                (
                    "web/package.json",
                    r#"{"name":"w","scripts":{"start":"next start -p 4000"},"dependencies":{"next":"14"}}"#,
                ),
                ("web/src/app/healthz/route.ts", "export function GET() { return Response.json({ ok: true }); }\n"),
            ]),
            service: None,
            framework: "Next.js",
            port: Some((Some(4000), None)),
            health: Some("/healthz"),
        },
        Case {
            name: "nextjs-negative",
            layout: Layout::Files(&[
                ("package.json", r#"{"name":"w","scripts":{"start":"next start"},"dependencies":{"next":"14"}}"#),
                ("pages/index.js", "export default function Home() { return null; }\n"),
            ]),
            service: None,
            framework: "Next.js",
            port: Some((Some(3000), Some("PORT"))),
            health: None,
        },
    ]);
}

#[test]
fn python() {
    check(&[
        Case {
            name: "flask",
            layout: Layout::Fixture("python-flask"),
            service: None,
            framework: "Flask",
            port: Some((Some(5000), Some("PORT"))),
            health: Some("/health"),
        },
        Case {
            name: "flask-procfile",
            layout: Layout::Fixture("python-flask-procfile"),
            service: Some("app"),
            framework: "Flask",
            port: Some((None, Some("PORT"))),
            health: Some("/ping"),
        },
        Case {
            name: "flask-negative",
            layout: Layout::Fixture("python-subfolder"),
            service: None,
            framework: "Flask",
            port: Some((Some(8000), Some("APP_PORT"))),
            health: None,
        },
        Case {
            name: "django",
            layout: Layout::Fixture("python-django"),
            service: None,
            framework: "Django",
            port: Some((Some(8000), None)),
            health: Some("/healthz/"),
        },
        Case {
            name: "django-app-urls",
            layout: Layout::Files(&[
                ("pyproject.toml", "[project]\nname = \"shop\"\ndependencies = [\"django>=5\"]\n"),
                ("manage.py", "import sys\n"),
                (
                    "status/urls.py",
                    "from django.urls import path\nfrom . import views\nurlpatterns = [path(\"health/\", views.health)]\n",
                ),
            ]),
            service: None,
            framework: "Django",
            port: Some((Some(8000), None)),
            health: Some("/health/"),
        },
        Case {
            name: "django-negative",
            layout: Layout::Files(&[
                ("requirements.txt", "django\n"),
                ("manage.py", "import sys\n"),
                ("site/urls.py", "from django.urls import path\nurlpatterns = [path(\"\", index)]\n"),
            ]),
            service: None,
            framework: "Django",
            port: Some((Some(8000), None)),
            health: None,
        },
        Case {
            name: "fastapi",
            layout: Layout::Fixture("python-fastapi-uv"),
            service: None,
            framework: "FastAPI",
            port: Some((Some(8000), None)),
            health: Some("/health"),
        },
        Case {
            name: "fastapi-uvicorn-run",
            layout: Layout::Files(&[
                ("requirements.txt", "fastapi\nuvicorn[standard]\n"),
                (
                    "main.py",
                    "import os\nimport uvicorn\nfrom fastapi import FastAPI\napp = FastAPI()\n\n@app.get(\"/healthz\")\ndef h():\n    return {}\n\nif __name__ == \"__main__\":\n    uvicorn.run(app, host=\"0.0.0.0\", port=int(os.getenv(\"PORT\", \"9000\")))\n",
                ),
            ]),
            service: None,
            framework: "FastAPI",
            port: Some((Some(9000), Some("PORT"))),
            health: Some("/healthz"),
        },
        Case {
            name: "fastapi-negative",
            layout: Layout::Files(&[
                ("requirements.txt", "fastapi\n"),
                (
                    "api.py",
                    "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get(\"/items\")\ndef items():\n    return []\n",
                ),
            ]),
            service: None,
            framework: "FastAPI",
            port: Some((Some(8000), None)),
            health: None,
        },
    ]);
}

#[test]
fn go() {
    check(&[
        Case {
            name: "nethttp",
            layout: Layout::Fixture("go-nethttp"),
            service: None,
            framework: "net/http",
            port: Some((Some(8080), Some("PORT"))),
            health: Some("/healthz"),
        },
        Case {
            name: "nethttp-submodule",
            layout: Layout::Fixture("go-multi-module"),
            service: None,
            framework: "net/http",
            port: Some((Some(9000), None)),
            health: Some("/health"),
        },
        Case {
            name: "nethttp-negative",
            layout: Layout::Files(&[
                ("go.mod", "module x\n\ngo 1.21\n"),
                (
                    "main.go",
                    "package main\n\nimport \"net/http\"\n\nfunc main() {\n\thttp.ListenAndServe(\":7070\", nil)\n}\n",
                ),
            ]),
            service: None,
            framework: "net/http",
            port: Some((Some(7070), None)),
            health: None,
        },
        Case {
            name: "gin",
            layout: Layout::Fixture("go-gin"),
            service: None,
            framework: "Gin",
            port: Some((Some(8080), None)),
            health: Some("/ping"),
        },
        Case {
            name: "gin-cmd",
            layout: Layout::Files(&[
                ("go.mod", "module example.com/g\n\ngo 1.22\n\nrequire github.com/gin-gonic/gin v1.10.0\n"),
                (
                    "cmd/server/main.go",
                    "package main\n\nimport \"github.com/gin-gonic/gin\"\n\nfunc main() {\n\tr := gin.New()\n\tr.GET(\"/health\", h)\n\tr.Run(\":9090\")\n}\n",
                ),
            ]),
            service: None,
            framework: "Gin",
            port: Some((Some(9090), None)),
            health: Some("/health"),
        },
        Case {
            name: "gin-negative",
            layout: Layout::Files(&[
                ("go.mod", "module example.com/g\n\ngo 1.22\n"),
                (
                    "main.go",
                    "package main\n\nimport \"github.com/gin-gonic/gin\"\n\nfunc main() {\n\tr := gin.New()\n\tr.GET(\"/\", h)\n\tr.Run()\n}\n",
                ),
            ]),
            service: None,
            framework: "Gin",
            port: Some((Some(8080), None)),
            health: None,
        },
        Case {
            name: "echo",
            layout: Layout::Fixture("go-echo"),
            service: None,
            framework: "Echo",
            port: Some((Some(1323), None)),
            health: Some("/health"),
        },
        Case {
            name: "echo-negative",
            layout: Layout::Files(&[
                ("go.mod", "module example.com/e\n\ngo 1.22\n"),
                (
                    "main.go",
                    "package main\n\nimport \"github.com/labstack/echo/v4\"\n\nfunc main() {\n\te := echo.New()\n\te.Start(\":8081\")\n}\n",
                ),
            ]),
            service: None,
            framework: "Echo",
            port: Some((Some(8081), None)),
            health: None,
        },
        Case {
            name: "fiber-cmd-internal-routes",
            layout: Layout::Fixture("go-cmd-fiber"),
            service: Some("api"),
            framework: "Fiber",
            port: Some((None, Some("API_PORT"))),
            health: Some("/livez"),
        },
        Case {
            name: "fiber-literal-negative",
            layout: Layout::Files(&[
                ("go.mod", "module example.com/f\n\ngo 1.22\n"),
                (
                    "main.go",
                    "package main\n\nimport \"github.com/gofiber/fiber/v2\"\n\nfunc main() {\n\tapp := fiber.New()\n\tapp.Listen(\":3000\")\n}\n",
                ),
            ]),
            service: None,
            framework: "Fiber",
            port: Some((Some(3000), None)),
            health: None,
        },
    ]);
}

#[test]
fn rust() {
    check(&[
        Case {
            name: "axum",
            layout: Layout::Fixture("rust-axum"),
            service: None,
            framework: "axum",
            port: Some((Some(3000), Some("PORT"))),
            health: Some("/health"),
        },
        Case {
            name: "axum-router-module",
            layout: Layout::Files(&[
                (
                    "api/Cargo.toml",
                    "[package]\nname = \"api\"\nversion = \"0.1.0\"\n\n[dependencies]\naxum = \"0.7\"\n",
                ),
                (
                    "api/src/main.rs",
                    "mod routes;\n#[tokio::main]\nasync fn main() {\n    let l = tokio::net::TcpListener::bind(\"0.0.0.0:8088\").await.unwrap();\n    axum::serve(l, routes::router()).await.unwrap();\n}\n",
                ),
                (
                    "api/src/routes.rs",
                    "pub fn router() -> axum::Router {\n    axum::Router::new().route(\"/healthz\", axum::routing::get(|| async { \"ok\" }))\n}\n",
                ),
            ]),
            service: None,
            framework: "axum",
            port: Some((Some(8088), None)),
            health: Some("/healthz"),
        },
        Case {
            name: "axum-negative",
            layout: Layout::Files(&[
                ("Cargo.toml", "[package]\nname = \"a\"\nversion = \"0.1.0\"\n\n[dependencies]\naxum = \"0.7\"\n"),
                (
                    "src/main.rs",
                    "#[tokio::main]\nasync fn main() {\n    let l = tokio::net::TcpListener::bind(\"0.0.0.0:3001\").await.unwrap();\n}\n",
                ),
            ]),
            service: None,
            framework: "axum",
            port: Some((Some(3001), None)),
            health: None,
        },
        Case {
            name: "actix",
            layout: Layout::Fixture("rust-actix"),
            service: None,
            framework: "actix-web",
            port: Some((Some(8080), None)),
            health: Some("/healthz"),
        },
        Case {
            name: "actix-env-negative",
            layout: Layout::Files(&[
                ("Cargo.toml", "[package]\nname = \"b\"\nversion = \"0.1.0\"\n\n[dependencies]\nactix-web = \"4\"\n"),
                (
                    "src/main.rs",
                    "fn main() {\n    let port: u16 = std::env::var(\"PORT\").ok().and_then(|p| p.parse().ok()).unwrap_or(8000);\n    HttpServer::new(|| App::new()).bind((\"0.0.0.0\", port));\n}\n",
                ),
            ]),
            service: None,
            framework: "actix-web",
            port: Some((Some(8000), Some("PORT"))),
            health: None,
        },
        Case {
            name: "rocket",
            layout: Layout::Fixture("rust-rocket"),
            service: None,
            framework: "Rocket",
            port: Some((Some(8000), None)),
            health: Some("/health"),
        },
        Case {
            name: "rocket-toml-negative",
            layout: Layout::Files(&[
                ("Cargo.toml", "[package]\nname = \"r\"\nversion = \"0.1.0\"\n\n[dependencies]\nrocket = \"0.5\"\n"),
                ("Rocket.toml", "[default]\naddress = \"0.0.0.0\"\nport = 8800\n"),
                ("src/main.rs", "#[get(\"/\")]\nfn index() -> &'static str { \"hi\" }\n"),
            ]),
            service: None,
            framework: "Rocket",
            port: Some((Some(8800), None)),
            health: None,
        },
    ]);
}

#[test]
fn jvm_and_dotnet() {
    check(&[
        Case {
            name: "spring-maven",
            layout: Layout::Fixture("java-spring-maven"),
            service: None,
            framework: "Spring Boot",
            port: Some((Some(8081), Some("PORT"))),
            health: Some("/actuator/health"),
        },
        Case {
            name: "spring-gradle-multi",
            layout: Layout::Fixture("java-gradle-multi"),
            service: Some("app"),
            framework: "Spring Boot",
            port: Some((Some(8080), None)),
            health: Some("/health"),
        },
        Case {
            name: "spring-negative-yaml-port",
            layout: Layout::Files(&[
                (
                    "pom.xml",
                    "<project><artifactId>svc</artifactId><dependencies><dependency><artifactId>spring-boot-starter-web</artifactId></dependency></dependencies></project>\n",
                ),
                (
                    "src/main/resources/application.yml",
                    "server:\n  port: 9091\nspring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app\n",
                ),
                ("src/main/java/App.java", "public class App { public static void main(String[] a) {} }\n"),
            ]),
            service: None,
            framework: "Spring Boot",
            port: Some((Some(9091), None)),
            health: None,
        },
        Case {
            name: "aspnet",
            layout: Layout::Fixture("dotnet-aspnet"),
            service: None,
            framework: "ASP.NET Core",
            port: Some((Some(8080), Some("ASPNETCORE_URLS"))),
            health: Some("/healthz"),
        },
        Case {
            name: "aspnet-controllers-url",
            layout: Layout::Files(&[
                (
                    "Api/Api.csproj",
                    "<Project Sdk=\"Microsoft.NET.Sdk.Web\"><PropertyGroup><TargetFramework>net7.0</TargetFramework></PropertyGroup></Project>\n",
                ),
                (
                    "Api/Program.cs",
                    "var app = WebApplication.Create(args);\napp.MapControllers();\napp.Run(\"http://0.0.0.0:5005\");\n",
                ),
                (
                    "Api/Controllers/HealthController.cs",
                    "[ApiController]\n[Route(\"health\")]\npublic class HealthController : ControllerBase { }\n",
                ),
            ]),
            service: None,
            framework: "ASP.NET Core",
            port: Some((Some(5005), None)),
            health: Some("/health"),
        },
        Case {
            name: "aspnet-negative",
            layout: Layout::Files(&[
                (
                    "W.csproj",
                    "<Project Sdk=\"Microsoft.NET.Sdk.Web\"><PropertyGroup><TargetFramework>net8.0</TargetFramework></PropertyGroup></Project>\n",
                ),
                (
                    "Program.cs",
                    "var app = WebApplication.Create(args);\napp.MapGet(\"/\", () => \"hi\");\napp.Run();\n",
                ),
            ]),
            service: None,
            framework: "ASP.NET Core",
            port: Some((Some(8080), Some("ASPNETCORE_URLS"))),
            health: None,
        },
    ]);
}

#[test]
fn php_and_ruby() {
    check(&[
        Case {
            name: "laravel",
            layout: Layout::Fixture("php-laravel"),
            service: None,
            framework: "Laravel",
            port: Some((Some(8000), None)),
            health: Some("/up"),
        },
        Case {
            name: "laravel-routes-negative",
            layout: Layout::Files(&[
                ("composer.json", r#"{"require":{"laravel/framework":"^10.0"}}"#),
                ("routes/web.php", "<?php\nRoute::get('/', fn () => 'hi');\n"),
            ]),
            service: None,
            framework: "Laravel",
            port: None,
            health: None,
        },
        Case {
            name: "symfony",
            layout: Layout::Fixture("php-symfony"),
            service: None,
            framework: "Symfony",
            port: Some((Some(8080), None)),
            health: Some("/health"),
        },
        Case {
            name: "symfony-yaml-routes",
            layout: Layout::Files(&[
                ("app/composer.json", r#"{"require":{"symfony/framework-bundle":"^7.0"}}"#),
                ("app/config/routes.yaml", "health:\n    path: /healthz\n    controller: App\\Controller\\Health\n"),
            ]),
            service: None,
            framework: "Symfony",
            port: None,
            health: Some("/healthz"),
        },
        Case {
            name: "slim",
            layout: Layout::Fixture("php-slim"),
            service: None,
            framework: "Slim",
            port: Some((Some(8080), None)),
            health: Some("/health"),
        },
        Case {
            name: "slim-negative",
            layout: Layout::Files(&[
                (
                    "composer.json",
                    r#"{"require":{"slim/slim":"^4"},"scripts":{"serve":"php -S 0.0.0.0:8888 -t public"}}"#,
                ),
                ("public/index.php", "<?php\n$app->get('/', function ($q, $r) { return $r; });\n"),
            ]),
            service: None,
            framework: "Slim",
            port: Some((Some(8080), None)),
            health: None,
        },
        Case {
            name: "rails",
            layout: Layout::Fixture("ruby-rails"),
            service: None,
            framework: "Rails",
            port: Some((Some(3000), Some("PORT"))),
            health: Some("/up"),
        },
        Case {
            name: "rails-negative",
            layout: Layout::Files(&[
                ("Gemfile", "gem 'rails'\n"),
                ("config/routes.rb", "Rails.application.routes.draw do\n  root 'home#index'\nend\n"),
            ]),
            service: None,
            framework: "Rails",
            port: Some((Some(3000), None)),
            health: None,
        },
        Case {
            name: "sinatra",
            layout: Layout::Fixture("ruby-sinatra"),
            service: None,
            framework: "Sinatra",
            port: Some((Some(4567), Some("PORT"))),
            health: Some("/health"),
        },
        Case {
            name: "sinatra-rackup-negative",
            layout: Layout::Files(&[
                ("Gemfile", "gem \"sinatra\"\n"),
                ("config.ru", "require './app'\nrun Sinatra::Application\n"),
                ("app.rb", "require 'sinatra'\nget '/' do\n  'hi'\nend\n"),
            ]),
            service: None,
            framework: "Sinatra",
            port: Some((Some(9292), None)),
            health: None,
        },
    ]);
}

/// A worker has no port and no health; a static site has neither either.
#[test]
fn services_without_a_port() {
    let model = support::analyze_app(&support::repo_root().join("tests/fixtures/apps/monorepo"));
    for name in ["worker", "web"] {
        let s = model.services.iter().find(|s| s.name == name).expect(name);
        assert!(s.ports.is_empty() && s.health_path.is_none(), "{name}: {:?} {:?}", s.ports, s.health_path);
    }
    let worker = model.services.iter().find(|s| s.name == "worker").expect("worker");
    assert_eq!(worker.kind.value.as_str(), "worker");
    let backing: Vec<&str> = worker.backing_services.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(backing, ["postgres", "redis"]);
}

/// Routes declared under a prefix in the same file: actix-web's nested scopes, FastAPI's router prefix.
#[test]
fn route_prefixes() {
    check(&[
        Case {
            name: "actix-nested-scope",
            layout: Layout::Files(&[
                ("Cargo.toml", "[package]\nname = \"c\"\nversion = \"0.1.0\"\n\n[dependencies]\nactix-web = \"4\"\n"),
                (
                    "src/main.rs",
                    "mod routes;\nfn main() {\n    HttpServer::new(|| App::new().configure(routes::api)).bind((\"0.0.0.0\", 8080));\n}\n",
                ),
                (
                    "src/routes.rs",
                    "pub fn api(cfg: &mut web::ServiceConfig) {\n    cfg.service(\n        web::scope(\"/api\")\n            .service(\n                web::scope(\"/healthcheck\")\n                    .route(\"\", get().to(index)),\n            ),\n    );\n}\n",
                ),
            ]),
            service: None,
            framework: "actix-web",
            port: Some((Some(8080), None)),
            health: Some("/api/healthcheck"),
        },
        Case {
            name: "fastapi-router-prefix",
            layout: Layout::Files(&[
                ("requirements.txt", "fastapi\n"),
                ("app/main.py", "from fastapi import FastAPI\napp = FastAPI()\n"),
                (
                    "app/health.py",
                    "from fastapi import APIRouter\nrouter = APIRouter(prefix=\"/api\")\n\n@router.get(\"/health\")\ndef health():\n    return {}\n",
                ),
            ]),
            service: None,
            framework: "FastAPI",
            port: Some((Some(8000), None)),
            health: Some("/api/health"),
        },
    ]);
}

/// The app's own Dockerfile (any variant) and Procfile: `ENV` port variables, EXPOSE, and a command that passes the
/// platform's `$PORT` (then the server's default port does not apply and no number is reported).
#[test]
fn dockerfile_and_procfile_ports() {
    check(&[
        Case {
            name: "aspnet-dockerfile-variant",
            layout: Layout::Files(&[
                (
                    "site.csproj",
                    "<Project Sdk=\"Microsoft.NET.Sdk.Web\"><PropertyGroup><TargetFramework>net8.0</TargetFramework></PropertyGroup></Project>\n",
                ),
                ("Program.cs", "var app = WebApplication.Create(args);\napp.Run();\n"),
                ("Dockerfile.windows", "FROM mcr.microsoft.com/dotnet/aspnet:8.0-nanoserver\nEXPOSE 5000\n"),
                (
                    "Dockerfile.linux",
                    "FROM mcr.microsoft.com/dotnet/aspnet:8.0\nENV ASPNETCORE_URLS=http://0.0.0.0:80\nEXPOSE 80\n",
                ),
            ]),
            service: None,
            framework: "ASP.NET Core",
            port: Some((Some(80), Some("ASPNETCORE_URLS"))),
            health: None,
        },
        Case {
            name: "sinatra-unicorn-procfile",
            layout: Layout::Files(&[
                ("Gemfile", "gem 'sinatra'\ngem 'unicorn'\n"),
                ("config.ru", "require './app'\nrun Sinatra::Application\n"),
                ("Procfile", "web: bundle exec unicorn -p $PORT -c ./config/unicorn.rb\n"),
                ("app.rb", "require 'sinatra'\nget '/healthz' do\n  'ok'\nend\n"),
            ]),
            service: None,
            framework: "Sinatra",
            port: Some((None, Some("PORT"))),
            health: Some("/healthz"),
        },
    ]);
}

/// Dependencies listed through `-r` includes still name the framework and the backing services.
#[test]
fn requirements_includes() {
    let dir = support::app(
        "requirements-include",
        &[
            ("requirements.txt", "-r requirements/base.txt\n"),
            ("requirements/base.txt", "flask==3.0\n-r db.txt\n"),
            ("requirements/db.txt", "psycopg[binary]\n"),
            ("app.py", "from flask import Flask\napp = Flask(__name__)\n"),
        ],
    );
    let model = support::analyze_app(&dir);
    let s = &model.services[0];
    assert_eq!(s.framework.as_ref().map(|f| f.value.as_str()), Some("Flask"));
    let backing: Vec<&str> = s.backing_services.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(backing, ["postgres"]);
    assert_eq!(s.backing_services[0].evidence[0].location(), "requirements/db.txt:1");
}

/// Router files mounted under a prefix in another file (Express), and NestJS controller prefixes.
#[test]
fn mounted_routers() {
    check(&[
        Case {
            name: "express-mounted-require",
            layout: Layout::Files(&[
                (
                    "package.json",
                    r#"{"name":"m","scripts":{"start":"node src/app.js"},"dependencies":{"express":"4"}}"#,
                ),
                (
                    "src/app.js",
                    "const app = require('express')();\napp.use('/api/v1', require('./routes/health'));\napp.listen(3000);\n",
                ),
                (
                    "src/routes/health.js",
                    "const r = require('express').Router();\nr.get('/health', (q, s) => s.send('ok'));\nmodule.exports = r;\n",
                ),
            ]),
            service: None,
            framework: "Express",
            port: Some((Some(3000), None)),
            health: Some("/api/v1/health"),
        },
        Case {
            name: "express-mounted-import",
            layout: Layout::Files(&[
                (
                    "package.json",
                    r#"{"name":"m","type":"module","scripts":{"start":"node app.mjs"},"dependencies":{"express":"4"}}"#,
                ),
                (
                    "app.mjs",
                    "import express from 'express';\nimport healthRouter from './health/index.mjs';\nconst app = express();\napp.use('/internal', healthRouter);\napp.listen(3000);\n",
                ),
                (
                    "health/index.mjs",
                    "import { Router } from 'express';\nexport default Router().get('/livez', (q, s) => s.end());\n",
                ),
            ]),
            service: None,
            framework: "Express",
            port: Some((Some(3000), None)),
            health: Some("/internal/livez"),
        },
        Case {
            name: "nestjs-controller-prefix",
            layout: Layout::Files(&[
                (
                    "package.json",
                    r#"{"name":"n","scripts":{"start":"node dist/main.js"},"dependencies":{"@nestjs/core":"10"}}"#,
                ),
                ("src/main.ts", "await app.listen(3000);\n"),
                (
                    "src/status.controller.ts",
                    "@Controller('status')\nexport class StatusController {\n  @Get('health')\n  health() {}\n}\n",
                ),
            ]),
            service: None,
            framework: "NestJS",
            port: Some((Some(3000), None)),
            health: Some("/status/health"),
        },
    ]);
}

/// Prefixes set in another file than the route: FastAPI `include_router`, Flask `register_blueprint`, Django
/// `include()`, NestJS `setGlobalPrefix`, Spring's context path (Express mounts are in `mounted_routers`).
#[test]
fn cross_file_route_prefixes() {
    const NEST_PKG: &str =
        r#"{"name":"n","scripts":{"start":"node dist/main.js"},"dependencies":{"@nestjs/core":"10"}}"#;
    const SPRING_POM: &str = "<project><artifactId>svc</artifactId><version>1</version><parent><artifactId>spring-boot-starter-parent</artifactId></parent><dependencies><dependency><artifactId>spring-boot-starter-web</artifactId></dependency><dependency><artifactId>spring-boot-starter-actuator</artifactId></dependency></dependencies></project>\n";
    const SPRING_WEB_POM: &str = "<project><artifactId>svc</artifactId><version>1</version><parent><artifactId>spring-boot-starter-parent</artifactId></parent><dependencies><dependency><artifactId>spring-boot-starter-web</artifactId></dependency></dependencies></project>\n";
    const SPRING_MAIN: &str = "@SpringBootApplication\npublic class App { public static void main(String[] a) {} }\n";
    check(&[
        Case {
            name: "fastapi-include-router-module",
            layout: Layout::Files(&[
                ("requirements.txt", "fastapi\n"),
                (
                    "app/main.py",
                    "from fastapi import FastAPI\nfrom app.routers import health\n\napp = FastAPI()\napp.include_router(health.router, prefix=\"/api\")\n",
                ),
                ("app/routers/__init__.py", ""),
                (
                    "app/routers/health.py",
                    "from fastapi import APIRouter\nrouter = APIRouter()\n\n@router.get(\"/health\")\ndef health():\n    return {}\n",
                ),
            ]),
            service: None,
            framework: "FastAPI",
            port: Some((Some(8000), None)),
            health: Some("/api/health"),
        },
        Case {
            name: "fastapi-include-router-chain",
            layout: Layout::Files(&[
                ("requirements.txt", "fastapi\n"),
                (
                    "src/svc/main.py",
                    "from fastapi import FastAPI\nfrom .api import api_router\n\napp = FastAPI()\napp.include_router(api_router, prefix=\"/api\")\n",
                ),
                (
                    "src/svc/api.py",
                    "from fastapi import APIRouter\nfrom .routes.status import router as status_router\n\napi_router = APIRouter()\napi_router.include_router(status_router, prefix=\"/v1\")\n",
                ),
                (
                    "src/svc/routes/status.py",
                    "from fastapi import APIRouter\nrouter = APIRouter(prefix=\"/status\")\n\n@router.get(\"/health\")\nasync def health():\n    return {}\n",
                ),
            ]),
            service: None,
            framework: "FastAPI",
            port: Some((Some(8000), None)),
            health: Some("/api/v1/status/health"),
        },
        Case {
            name: "fastapi-prefix-from-settings",
            layout: Layout::Files(&[
                ("backend/pyproject.toml", "[project]\nname = \"app\"\ndependencies = [\"fastapi\"]\n"),
                (
                    "backend/app/core/config.py",
                    "class Settings:\n    API_V1_STR: str = \"/api/v1\"\n\nsettings = Settings()\n",
                ),
                (
                    "backend/app/main.py",
                    "from fastapi import FastAPI\nfrom app.api.main import api_router\nfrom app.core.config import settings\n\napp = FastAPI()\napp.include_router(api_router, prefix=settings.API_V1_STR)\n",
                ),
                (
                    "backend/app/api/main.py",
                    "from fastapi import APIRouter\nfrom app.api.routes import utils\n\napi_router = APIRouter()\napi_router.include_router(utils.router)\n",
                ),
                (
                    "backend/app/api/routes/utils.py",
                    "from fastapi import APIRouter\nrouter = APIRouter(prefix=\"/utils\", tags=[\"utils\"])\n\n@router.get(\"/health-check/\")\nasync def health_check() -> bool:\n    return True\n",
                ),
            ]),
            service: None,
            framework: "FastAPI",
            port: Some((Some(8000), None)),
            health: Some("/api/v1/utils/health-check/"),
        },
        Case {
            // The prefix comes from the environment: the route's full path is unknown, so none is reported.
            name: "fastapi-prefix-unknown",
            layout: Layout::Files(&[
                ("requirements.txt", "fastapi\n"),
                (
                    "main.py",
                    "import os\nfrom fastapi import FastAPI\nimport health\n\napp = FastAPI()\napp.include_router(health.router, prefix=os.environ[\"API_PREFIX\"])\n",
                ),
                (
                    "health.py",
                    "from fastapi import APIRouter\nrouter = APIRouter()\n\n@router.get(\"/health\")\ndef h():\n    return {}\n",
                ),
            ]),
            service: None,
            framework: "FastAPI",
            port: Some((Some(8000), None)),
            health: None,
        },
        Case {
            // Tags name the route's OpenAPI group, not its path.
            name: "fastapi-route-with-tags",
            layout: Layout::Files(&[
                ("requirements.txt", "fastapi\n"),
                (
                    "main.py",
                    "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get(\"/healthz\", tags=[\"health\"])\ndef h():\n    return {}\n",
                ),
            ]),
            service: None,
            framework: "FastAPI",
            port: Some((Some(8000), None)),
            health: Some("/healthz"),
        },
        Case {
            name: "flask-register-blueprint",
            layout: Layout::Files(&[
                ("requirements.txt", "flask\n"),
                (
                    "app.py",
                    "from flask import Flask\nfrom health import bp as health_bp\n\napp = Flask(__name__)\napp.register_blueprint(health_bp, url_prefix=\"/internal\")\n",
                ),
                (
                    "health.py",
                    "from flask import Blueprint\nbp = Blueprint(\"health\", __name__)\n\n@bp.route(\"/healthz\")\ndef healthz():\n    return \"ok\"\n",
                ),
            ]),
            service: None,
            framework: "Flask",
            port: Some((Some(5000), None)),
            health: Some("/internal/healthz"),
        },
        Case {
            // Flask: the registration's `url_prefix` replaces the blueprint's own.
            name: "flask-registration-prefix-replaces",
            layout: Layout::Files(&[
                ("requirements.txt", "flask\n"),
                (
                    "app.py",
                    "from flask import Flask\nfrom ops import bp\n\napp = Flask(__name__)\napp.register_blueprint(bp, url_prefix=\"/internal\")\n",
                ),
                (
                    "ops.py",
                    "from flask import Blueprint\nbp = Blueprint(\"ops\", __name__, url_prefix=\"/ops\")\n\n@bp.route(\"/healthz\")\ndef healthz():\n    return \"ok\"\n",
                ),
            ]),
            service: None,
            framework: "Flask",
            port: Some((Some(5000), None)),
            health: Some("/internal/healthz"),
        },
        Case {
            name: "flask-app-factory-blueprint",
            layout: Layout::Files(&[
                ("requirements.txt", "flask\n"),
                ("wsgi.py", "from shop import create_app\napp = create_app()\n"),
                (
                    "shop/__init__.py",
                    "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    from shop import ops\n    app.register_blueprint(ops.bp, url_prefix='/ops')\n    return app\n",
                ),
                (
                    "shop/ops.py",
                    "from flask import Blueprint\nbp = Blueprint('ops', __name__)\n\n@bp.get('/health')\ndef health():\n    return {}\n",
                ),
            ]),
            service: None,
            framework: "Flask",
            port: Some((Some(5000), None)),
            health: Some("/ops/health"),
        },
        Case {
            name: "django-include",
            layout: Layout::Files(&[
                ("requirements.txt", "django\n"),
                ("manage.py", "import sys\n"),
                (
                    "mysite/urls.py",
                    "from django.urls import include, path\nurlpatterns = [path(\"api/\", include(\"status.urls\"))]\n",
                ),
                (
                    "status/urls.py",
                    "from django.urls import path\nfrom . import views\nurlpatterns = [path(\"health/\", views.health)]\n",
                ),
            ]),
            service: None,
            framework: "Django",
            port: Some((Some(8000), None)),
            health: Some("/api/health/"),
        },
        Case {
            name: "django-include-chain",
            layout: Layout::Files(&[
                ("requirements.txt", "django\n"),
                ("manage.py", "import sys\n"),
                (
                    "mysite/urls.py",
                    "from django.urls import include, path\nurlpatterns = [path('', include('core.urls'))]\n",
                ),
                (
                    "core/urls.py",
                    "from django.urls import include, re_path\nurlpatterns = [re_path(r'^internal/', include('core.ops_urls'))]\n",
                ),
                ("core/ops_urls.py", "from django.urls import path\nurlpatterns = [path('healthz', lambda r: None)]\n"),
            ]),
            service: None,
            framework: "Django",
            port: Some((Some(8000), None)),
            health: Some("/internal/healthz"),
        },
        Case {
            name: "nestjs-global-prefix",
            layout: Layout::Files(&[
                ("package.json", NEST_PKG),
                (
                    "src/main.ts",
                    "const app = await NestFactory.create(AppModule);\napp.setGlobalPrefix('api');\nawait app.listen(3000);\n",
                ),
                (
                    "src/status.controller.ts",
                    "@Controller('status')\nexport class S {\n  @Get('health')\n  h() {}\n}\n",
                ),
            ]),
            service: None,
            framework: "NestJS",
            port: Some((Some(3000), None)),
            health: Some("/api/status/health"),
        },
        Case {
            name: "nestjs-global-prefix-exclude",
            layout: Layout::Files(&[
                ("package.json", NEST_PKG),
                (
                    "src/main.ts",
                    "const app = await NestFactory.create(AppModule);\napp.setGlobalPrefix('api/v1', {\n  exclude: ['healthz'],\n});\nawait app.listen(3000);\n",
                ),
                ("src/health.controller.ts", "@Controller()\nexport class H {\n  @Get('healthz')\n  h() {}\n}\n"),
            ]),
            service: None,
            framework: "NestJS",
            port: Some((Some(3000), None)),
            health: Some("/healthz"),
        },
        Case {
            name: "spring-context-path-properties",
            layout: Layout::Files(&[
                ("pom.xml", SPRING_POM),
                ("src/main/java/a/App.java", SPRING_MAIN),
                ("src/main/resources/application.properties", "server.servlet.context-path=/api\n"),
            ]),
            service: None,
            framework: "Spring Boot",
            port: Some((Some(8080), None)),
            health: Some("/api/actuator/health"),
        },
        Case {
            name: "spring-context-path-yaml",
            layout: Layout::Files(&[
                ("pom.xml", SPRING_WEB_POM),
                ("src/main/java/a/App.java", SPRING_MAIN),
                (
                    "src/main/java/a/Health.java",
                    "@RestController\npublic class Health {\n  @GetMapping(\"/healthz\")\n  public String h() { return \"ok\"; }\n}\n",
                ),
                (
                    "src/main/resources/application.yml",
                    "server:\n  port: 8081\n  servlet:\n    context-path: /svc\n---\nspring.config.activate.on-profile: prod\nserver:\n  servlet:\n    context-path: /prod\n",
                ),
            ]),
            service: None,
            framework: "Spring Boot",
            port: Some((Some(8081), None)),
            health: Some("/svc/healthz"),
        },
        Case {
            name: "spring-actuator-base-path",
            layout: Layout::Files(&[
                ("pom.xml", SPRING_POM),
                ("src/main/java/a/App.java", SPRING_MAIN),
                (
                    "src/main/resources/application.yml",
                    "management:\n  endpoints:\n    web:\n      base-path: /manage\n",
                ),
            ]),
            service: None,
            framework: "Spring Boot",
            port: Some((Some(8080), None)),
            health: Some("/manage/health"),
        },
    ]);
}
