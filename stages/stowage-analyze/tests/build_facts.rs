//! The build facts the Dockerfile recipes read (`service.build`): the declared version, the artifact, the build
//! output folder, the build tool's wrapper, the Spring Boot version, PHP extensions and native dependencies. Each
//! case is an app in files and the facts it must give, with the evidence location of each (`value@file:line`), and
//! a fact that must not be reported is simply absent from the list.

mod support;

use stowage_analyze::model::{Fact, Service};

struct Case {
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    /// The service to look at; `None` when the app has exactly one.
    service: Option<&'static str>,
    /// Every build fact found, as `field=value@location`, in field order.
    expected: &'static [&'static str],
}

fn render(service: &Service) -> Vec<String> {
    let one = |field: &str, fact: &Option<Fact<String>>| {
        fact.iter().map(|f| format!("{field}={}@{}", f.value, f.evidence[0].location())).collect::<Vec<_>>()
    };
    let many = |field: &str, facts: &[Fact<String>]| {
        facts.iter().map(|f| format!("{field}={}@{}", f.value, f.evidence[0].location())).collect::<Vec<_>>()
    };
    let b = &service.build;
    [
        one("version", &b.version),
        one("artifact", &b.artifact),
        one("output_dir", &b.output_dir),
        one("wrapper", &b.wrapper),
        one("spring_boot_version", &b.spring_boot_version),
        many("php_extension", &b.php_extensions),
        many("native", &b.native_dependencies),
    ]
    .concat()
}

fn check(cases: &[Case]) {
    let mut failures = Vec::new();
    for case in cases {
        let model = support::analyze_app(&support::app(case.name, case.files));
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
        let got = render(service);
        if got != case.expected {
            failures.push(format!("{}:\n  got      {got:?}\n  expected {:?}", case.name, case.expected));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const EXPRESS_SERVER: (&str, &str) = ("index.js", "const app = require('express')();\napp.listen(3000);\n");

#[test]
fn php_extensions_and_version() {
    check(&[
        Case {
            name: "php-ext",
            files: &[
                (
                    "composer.json",
                    "{\n  \"name\": \"acme/shop\",\n  \"version\": \"2.1.0\",\n  \"require\": {\n    \"php\": \"^8.2\",\n    \"ext-intl\": \"*\",\n    \"ext-pdo_pgsql\": \"*\",\n    \"slim/slim\": \"^4.0\"\n  },\n  \"require-dev\": {\n    \"ext-xdebug\": \"*\"\n  }\n}\n",
                ),
                ("public/index.php", "<?php\n"),
            ],
            service: None,
            expected: &[
                "version=2.1.0@composer.json:3",
                "php_extension=intl@composer.json:6",
                "php_extension=pdo_pgsql@composer.json:7",
            ],
        },
        Case {
            name: "php-none",
            files: &[
                ("composer.json", "{\n  \"require\": {\n    \"slim/slim\": \"^4.0\"\n  }\n}\n"),
                ("public/index.php", "<?php\n"),
            ],
            service: None,
            expected: &[],
        },
    ]);
}

#[test]
fn node_output_folders_versions_and_native_modules() {
    check(&[
        Case {
            name: "next-standalone",
            files: &[
                ("package.json", "{\n  \"name\": \"site\",\n  \"dependencies\": {\n    \"next\": \"14.2.0\"\n  }\n}\n"),
                (
                    "next.config.js",
                    "/** @type {import('next').NextConfig} */\nmodule.exports = {\n  output: 'standalone',\n};\n",
                ),
            ],
            service: None,
            expected: &["output_dir=.next/standalone@next.config.js:3"],
        },
        Case {
            name: "next-export",
            files: &[
                ("package.json", "{\n  \"name\": \"site\",\n  \"dependencies\": {\n    \"next\": \"14.2.0\"\n  }\n}\n"),
                (
                    "next.config.mjs",
                    "const config = {\n  outputFileTracing: true,\n  output: \"export\",\n};\nexport default config;\n",
                ),
            ],
            service: None,
            expected: &["output_dir=out@next.config.mjs:3"],
        },
        Case {
            name: "next-default",
            files: &[(
                "package.json",
                "{\n  \"name\": \"site\",\n  \"dependencies\": {\n    \"next\": \"14.2.0\"\n  }\n}\n",
            )],
            service: None,
            expected: &["output_dir=.next@package.json:4"],
        },
        Case {
            name: "cra",
            files: &[(
                "package.json",
                "{\n  \"name\": \"spa\",\n  \"version\": \"0.3.0\",\n  \"scripts\": { \"build\": \"react-scripts build\" },\n  \"dependencies\": {\n    \"react-scripts\": \"5.0.1\"\n  }\n}\n",
            )],
            service: None,
            expected: &["version=0.3.0@package.json:3", "output_dir=build@package.json:6"],
        },
        Case {
            name: "vite-outdir",
            files: &[
                (
                    "frontend/package.json",
                    "{\n  \"name\": \"ui\",\n  \"scripts\": { \"build\": \"vite build\" },\n  \"devDependencies\": {\n    \"vite\": \"5.0.0\"\n  }\n}\n",
                ),
                (
                    "frontend/vite.config.ts",
                    "import { defineConfig } from 'vite';\nexport default defineConfig({\n  build: { outDir: './www/' },\n});\n",
                ),
            ],
            service: None,
            expected: &["output_dir=frontend/www@frontend/vite.config.ts:3"],
        },
        Case {
            name: "angular",
            files: &[
                (
                    "package.json",
                    "{\n  \"name\": \"shop-ui\",\n  \"scripts\": { \"build\": \"ng build\" },\n  \"dependencies\": {\n    \"@angular/core\": \"18.0.0\"\n  }\n}\n",
                ),
                (
                    "angular.json",
                    "{\n  \"projects\": {\n    \"shop\": {\n      \"projectType\": \"application\",\n      \"architect\": {\n        \"build\": {\n          \"builder\": \"@angular-devkit/build-angular:application\",\n          \"options\": {\n            \"outputPath\": \"dist/shop\"\n          }\n        }\n      }\n    }\n  }\n}\n",
                ),
            ],
            service: None,
            expected: &["output_dir=dist/shop/browser@angular.json:9"],
        },
        Case {
            name: "ts-server-native",
            files: &[
                (
                    "package.json",
                    "{\n  \"name\": \"api\",\n  \"version\": \"1.4.2\",\n  \"scripts\": { \"build\": \"tsc -p .\", \"start\": \"node build/index.js\" },\n  \"dependencies\": {\n    \"bcrypt\": \"5.1.0\",\n    \"express\": \"4.19.0\",\n    \"sharp\": \"0.33.0\"\n  },\n  \"devDependencies\": {\n    \"typescript\": \"5.4.0\"\n  }\n}\n",
                ),
                (
                    "tsconfig.json",
                    "{\n  // comments are allowed here\n  \"compilerOptions\": {\n    \"outDir\": \"./build\"\n  }\n}\n",
                ),
                ("src/index.ts", "import express from 'express';\nconst app = express();\napp.listen(3000);\n"),
            ],
            service: None,
            expected: &[
                "version=1.4.2@package.json:3",
                "output_dir=build@tsconfig.json:4",
                "native=bcrypt@package.json:6",
                "native=sharp@package.json:8",
            ],
        },
        Case {
            name: "node-gyp-addon",
            files: &[
                (
                    "package.json",
                    "{\n  \"name\": \"addon\",\n  \"scripts\": { \"start\": \"node index.js\" },\n  \"dependencies\": { \"express\": \"4.19.0\" }\n}\n",
                ),
                ("binding.gyp", "{ \"targets\": [] }\n"),
                EXPRESS_SERVER,
            ],
            service: None,
            expected: &["native=node-gyp@binding.gyp"],
        },
    ]);
}

#[test]
fn go_binaries_and_cgo() {
    check(&[
        Case {
            name: "go-cgo",
            files: &[
                ("go.mod", "module example.com/tools/imgconv\n\ngo 1.22\n"),
                ("main.go", "package main\n\n// #include <stdio.h>\nimport \"C\"\n\nfunc main() {}\n"),
            ],
            service: None,
            expected: &["artifact=imgconv@main.go", "native=cgo@main.go:4"],
        },
        Case {
            name: "go-sqlite",
            files: &[
                ("go.mod", "module example.com/store\n\ngo 1.22\n\nrequire github.com/mattn/go-sqlite3 v1.14.22\n"),
                (
                    "cmd/storectl/main.go",
                    "package main\n\nimport _ \"github.com/mattn/go-sqlite3\"\n\nfunc main() {}\n",
                ),
            ],
            service: None,
            expected: &["artifact=storectl@cmd/storectl/main.go", "native=cgo@go.mod:5"],
        },
        Case {
            name: "go-pure",
            files: &[
                ("go.mod", "module example.com/hello\n\ngo 1.22\n"),
                ("main.go", "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"C\") }\n"),
            ],
            service: None,
            expected: &["artifact=hello@main.go"],
        },
    ]);
}

#[test]
fn rust_binaries_versions_and_sys_crates() {
    check(&[
        Case {
            name: "rust-sys",
            files: &[
                (
                    "Cargo.toml",
                    "[workspace]\nmembers = [\"srv\"]\n\n[workspace.package]\nversion = \"2.0.1\"\nrust-version = \"1.80\"\n",
                ),
                (
                    "srv/Cargo.toml",
                    "[package]\nname = \"srv-pkg\"\nversion.workspace = true\n\n[[bin]]\nname = \"srv\"\npath = \"src/main.rs\"\n\n[dependencies]\nreqwest = \"0.12\"\n",
                ),
                ("srv/src/main.rs", "fn main() {}\n"),
                (
                    "Cargo.lock",
                    "version = 4\n\n[[package]]\nname = \"srv-pkg\"\nversion = \"2.0.1\"\ndependencies = [\n \"reqwest\",\n \"windows-sys\",\n]\n\n[[package]]\nname = \"reqwest\"\nversion = \"0.12.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\ndependencies = [\n \"openssl-sys\",\n]\n\n[[package]]\nname = \"openssl-sys\"\nversion = \"0.9.103\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[[package]]\nname = \"windows-sys\"\nversion = \"0.59.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
                ),
            ],
            service: None,
            expected: &[
                "version=2.0.1@Cargo.toml:5",
                "artifact=srv@srv/Cargo.toml:6",
                "native=openssl-sys@Cargo.lock:20",
            ],
        },
        Case {
            name: "rust-declared-sys",
            files: &[
                (
                    "Cargo.toml",
                    "[package]\nname = \"db-tool\"\nversion = \"0.4.0\"\nrust-version = \"1.80\"\n\n[dependencies]\nlibsqlite3-sys = { version = \"0.30\", features = [\"bundled\"] }\n",
                ),
                ("src/main.rs", "fn main() {}\n"),
            ],
            service: None,
            expected: &[
                "version=0.4.0@Cargo.toml:3",
                "artifact=db-tool@Cargo.toml",
                "native=libsqlite3-sys@Cargo.toml:7",
            ],
        },
    ]);
}

#[test]
fn python_versions_and_c_extensions() {
    check(&[
        Case {
            name: "python-native",
            files: &[
                ("requirements.txt", "flask==3.0.0\npsycopg2==2.9.9\nlxml>=5\nnumpy\nmysqlclient==2.2.4\nrequests\n"),
                ("app.py", "from flask import Flask\napp = Flask(__name__)\n"),
            ],
            service: None,
            expected: &[
                "native=lxml@requirements.txt:3",
                "native=mysqlclient@requirements.txt:5",
                "native=numpy@requirements.txt:4",
                "native=psycopg2@requirements.txt:2",
            ],
        },
        Case {
            name: "python-binary-wheel",
            files: &[
                (
                    "pyproject.toml",
                    "[project]\nname = \"api\"\nversion = \"1.2.0\"\ndependencies = [\"fastapi\", \"psycopg2-binary\", \"psycopg[binary]\"]\n",
                ),
                ("main.py", "from fastapi import FastAPI\napp = FastAPI()\n"),
            ],
            service: None,
            expected: &["version=1.2.0@pyproject.toml:3"],
        },
        Case {
            name: "python-dynamic-version",
            files: &[
                (
                    "pyproject.toml",
                    "[project]\nname = \"api\"\ndynamic = [\"version\"]\ndependencies = [\"fastapi\"]\n",
                ),
                ("main.py", "from fastapi import FastAPI\napp = FastAPI()\n"),
            ],
            service: None,
            expected: &[],
        },
    ]);
}

const BOOT_APP: (&str, &str) = (
    "src/main/java/com/acme/App.java",
    "package com.acme;\n\n@SpringBootApplication\npublic class App {\n  public static void main(String[] args) {}\n}\n",
);

#[test]
fn java_build_tools_jars_and_spring_boot() {
    check(&[
        Case {
            name: "maven-boot",
            files: &[
                (
                    "pom.xml",
                    "<project>\n  <parent>\n    <groupId>org.springframework.boot</groupId>\n    <artifactId>spring-boot-starter-parent</artifactId>\n    <version>3.2.5</version>\n  </parent>\n  <artifactId>billing</artifactId>\n  <version>${revision}</version>\n  <properties>\n    <revision>1.7.0</revision>\n  </properties>\n  <dependencies>\n    <dependency>\n      <artifactId>spring-boot-starter-web</artifactId>\n    </dependency>\n  </dependencies>\n</project>\n",
                ),
                ("mvnw", "#!/bin/sh\n"),
                BOOT_APP,
            ],
            service: None,
            expected: &[
                "version=1.7.0@pom.xml:8",
                "artifact=target/billing-1.7.0.jar@pom.xml:8",
                "wrapper=mvnw@mvnw",
                "spring_boot_version=3.2.5@pom.xml:4",
            ],
        },
        Case {
            name: "maven-final-name",
            files: &[
                (
                    "pom.xml",
                    "<project>\n  <artifactId>tool</artifactId>\n  <version>0.9</version>\n  <build>\n    <finalName>tool-app</finalName>\n  </build>\n</project>\n",
                ),
                ("src/main/java/Main.java", "public class Main {\n  public static void main(String[] a) {}\n}\n"),
            ],
            service: None,
            expected: &["version=0.9@pom.xml:3", "artifact=target/tool-app.jar@pom.xml:5"],
        },
        Case {
            name: "gradle-boot",
            files: &[
                (
                    "build.gradle.kts",
                    "plugins {\n    id(\"org.springframework.boot\") version \"3.3.1\"\n    java\n}\n\nversion = \"1.4.0\"\n\ndependencies {\n    implementation(\"org.springframework.boot:spring-boot-starter-web\")\n}\n",
                ),
                ("settings.gradle.kts", "rootProject.name = \"orders\"\n"),
                ("gradlew", "#!/bin/sh\n"),
                BOOT_APP,
            ],
            service: None,
            expected: &[
                "version=1.4.0@build.gradle.kts:6",
                "artifact=build/libs/orders-1.4.0.jar@build.gradle.kts",
                "wrapper=gradlew@gradlew",
                "spring_boot_version=3.3.1@build.gradle.kts:2",
            ],
        },
        Case {
            name: "gradle-application",
            files: &[
                (
                    "build.gradle",
                    "plugins {\n    id 'application'\n}\n\napplication {\n    mainClass = 'acme.Main'\n}\n",
                ),
                ("gradle.properties", "org.gradle.jvmargs=-Xmx1g\nversion=3.1.0\n"),
                ("settings.gradle", "rootProject.name = 'cli'\n"),
                (
                    "src/main/java/acme/Main.java",
                    "package acme;\npublic class Main {\n  public static void main(String[] a) {}\n}\n",
                ),
            ],
            service: None,
            expected: &["version=3.1.0@gradle.properties:2", "artifact=build/install/cli/bin/cli@build.gradle"],
        },
    ]);
}

#[test]
fn dotnet_assemblies_and_ruby_versions() {
    check(&[
        Case {
            name: "dotnet",
            files: &[(
                "src/Api/Api.csproj",
                "<Project Sdk=\"Microsoft.NET.Sdk.Web\">\n  <PropertyGroup>\n    <TargetFramework>net8.0</TargetFramework>\n    <AssemblyName>Acme.Api</AssemblyName>\n    <Version>5.2.0</Version>\n  </PropertyGroup>\n</Project>\n",
            )],
            service: None,
            expected: &["version=5.2.0@src/Api/Api.csproj:5", "artifact=Acme.Api.dll@src/Api/Api.csproj:4"],
        },
        Case {
            name: "dotnet-file-name",
            files: &[(
                "Worker.csproj",
                "<Project Sdk=\"Microsoft.NET.Sdk.Worker\">\n  <PropertyGroup>\n    <TargetFramework>net8.0</TargetFramework>\n  </PropertyGroup>\n</Project>\n",
            )],
            service: None,
            expected: &["artifact=Worker.dll@Worker.csproj"],
        },
        Case {
            name: "ruby-version-rb",
            files: &[
                ("Gemfile", "source 'https://rubygems.org'\ngem 'sinatra'\ngem 'pg'\ngem 'nokogiri'\n"),
                ("config.ru", "require './app'\nrun Sinatra::Application\n"),
                ("app.rb", "require 'sinatra'\nget('/') { 'ok' }\n"),
                ("lib/shop/version.rb", "module Shop\n  VERSION = \"0.8.1\".freeze\nend\n"),
            ],
            service: None,
            expected: &["version=0.8.1@lib/shop/version.rb:2", "native=nokogiri@Gemfile:4", "native=pg@Gemfile:3"],
        },
    ]);
}
