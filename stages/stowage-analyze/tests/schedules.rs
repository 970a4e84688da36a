//! Scheduled work per ecosystem: one-shot commands run on a schedule are jobs with their schedule; in-process
//! schedulers keep their process up (a worker, or the web service they live in) and their schedule is recorded;
//! and the negative cases: a scheduler dependency without a schedule, `@reboot`, crontabs of tests.

mod support;

use stowage_analyze::model::{Model, Service};

/// (service name, kind, start command, schedule) as expected; every other service is a failure.
type Want = (&'static str, &'static str, Option<&'static str>, Option<&'static str>);

struct Case {
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    want: &'static [Want],
}

fn got(s: &Service) -> (String, String, Option<String>, Option<String>) {
    (
        s.name.clone(),
        s.kind.value.as_str().to_string(),
        s.start_command.as_ref().map(|c| c.value.clone()),
        s.schedule.as_ref().map(|c| c.value.clone()),
    )
}

fn check(cases: &[Case]) {
    let mut failures = Vec::new();
    for case in cases {
        let model: Model = support::analyze_app(&support::app(case.name, case.files));
        let got: Vec<_> = model.services.iter().map(got).collect();
        let want: Vec<_> = case
            .want
            .iter()
            .map(|(n, k, c, s)| (n.to_string(), k.to_string(), c.map(str::to_string), s.map(str::to_string)))
            .collect();
        if got != want {
            failures.push(format!("{}:\n  got  {got:?}\n  want {want:?}", case.name));
        }
        for s in &model.services {
            if let Some(schedule) = &s.schedule {
                assert!(!schedule.evidence.is_empty(), "{}: a schedule without evidence", case.name);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn one_shot_commands_on_a_schedule_are_jobs() {
    check(&[
        Case {
            name: "django-crontab",
            files: &[
                ("requirements.txt", "django\ngunicorn\n"),
                ("manage.py", "import django\n"),
                ("mysite/wsgi.py", "application = None\n"),
                (
                    "deploy/cron.d/mysite",
                    "MAILTO=\"\"\n# system crontab: a user field\n30 2 * * * www-data cd /app && python manage.py clearsessions\n@reboot root python manage.py migrate\n",
                ),
            ],
            want: &[
                ("app", "web", Some("gunicorn mysite.wsgi:application --bind 0.0.0.0:8000"), None),
                ("app-clearsessions", "job", Some("cd /app && python manage.py clearsessions"), Some("30 2 * * *")),
            ],
        },
        Case {
            name: "vercel-crons",
            files: &[
                ("package.json", r#"{"name":"site","scripts":{"start":"next start"},"dependencies":{"next":"14"}}"#),
                ("vercel.json", r#"{"crons":[{"path":"/api/cron/refresh","schedule":"0 5 * * *"}]}"#),
            ],
            want: &[
                ("site", "web", Some("next start"), None),
                ("site-refresh", "job", Some("curl -fsS http://site:3000/api/cron/refresh"), Some("0 5 * * *")),
            ],
        },
        Case {
            name: "laravel-scheduler",
            files: &[
                ("composer.json", r#"{"require":{"php":"^8.2","laravel/framework":"^11.0"}}"#),
                ("artisan", "<?php\n"),
                (
                    "routes/console.php",
                    "<?php\nuse Illuminate\\Support\\Facades\\Schedule;\nSchedule::command('reports:send')->daily();\n",
                ),
            ],
            want: &[
                ("app", "web", Some("php artisan serve --host=0.0.0.0 --port=8000"), None),
                ("app-schedule", "job", Some("php artisan schedule:run"), Some("* * * * *")),
            ],
        },
        Case {
            name: "whenever-in-a-rails-folder",
            files: &[
                ("api/Gemfile", "source 'https://rubygems.org'\ngem 'rails'\ngem 'whenever'\n"),
                (
                    "api/config/schedule.rb",
                    "every :sunday, at: '12pm' do\n  runner 'Report.weekly'\nend\nevery :reboot do\n  rake 'cache:warm'\nend\nevery 3.weeks do\n  rake 'archive:old'\nend\n",
                ),
            ],
            want: &[
                ("api", "web", Some("bundle exec rails server -b 0.0.0.0"), None),
                ("api-archive-old", "job", Some("bundle exec rake archive:old"), None),
                ("api-report-weekly", "job", Some("bundle exec rails runner 'Report.weekly'"), Some("0 12 * * 0")),
            ],
        },
    ]);
}

#[test]
fn in_process_schedulers_stay_up() {
    check(&[
        Case {
            name: "procfile-clock-apscheduler",
            files: &[
                ("requirements.txt", "flask\ngunicorn\napscheduler\n"),
                ("app.py", "from flask import Flask\napp = Flask(__name__)\n"),
                (
                    "clock.py",
                    "from apscheduler.schedulers.blocking import BlockingScheduler\nsched = BlockingScheduler()\n\n@sched.scheduled_job('interval', minutes=3)\ndef tick():\n    pass\n\n@sched.scheduled_job('cron', day_of_week='mon-fri', hour=17)\ndef report():\n    pass\n\nsched.start()\n",
                ),
                ("Procfile", "web: gunicorn app:app\nclock: python clock.py\n"),
            ],
            want: &[
                ("app", "web", Some("gunicorn app:app"), None),
                ("app-clock", "worker", Some("python clock.py"), Some("every 3 minutes")),
            ],
        },
        Case {
            name: "celery-beat-without-a-process",
            files: &[
                ("requirements.txt", "celery\nredis\n"),
                (
                    "tasks.py",
                    "from celery import Celery\nfrom celery.schedules import crontab\napp = Celery('tasks', broker='redis://localhost')\napp.conf.beat_schedule = {\n    'nightly': {\n        'task': 'tasks.nightly',\n        'schedule': crontab(hour=3, minute=30),\n    },\n}\n",
                ),
            ],
            want: &[
                ("app", "worker", Some("celery -A tasks worker"), None),
                ("app-beat", "worker", Some("celery -A tasks beat"), Some("30 3 * * *")),
            ],
        },
        Case {
            name: "celery-beat-in-the-procfile",
            files: &[
                ("requirements.txt", "django\ncelery\n"),
                ("manage.py", "import django\n"),
                (
                    "proj/celery.py",
                    "from celery import Celery\napp = Celery('proj')\napp.conf.beat_schedule = {'ping': {'task': 'x', 'schedule': 30.0}}\n",
                ),
                ("Procfile", "web: python manage.py runserver 0.0.0.0:$PORT\nbeat: celery -A proj beat -l info\n"),
            ],
            want: &[
                ("app", "web", Some("python manage.py runserver 0.0.0.0:$PORT"), None),
                ("app-beat", "worker", Some("celery -A proj beat -l info"), Some("every 30 seconds")),
            ],
        },
        Case {
            name: "node-cron-inside-a-web-server",
            files: &[
                (
                    "package.json",
                    r#"{"name":"api","scripts":{"start":"node server.js"},"dependencies":{"express":"4","node-cron":"3"}}"#,
                ),
                (
                    "server.js",
                    "const cron = require('node-cron');\nconst app = require('express')();\ncron.schedule('0 * * * *', () => {});\napp.listen(3000);\n",
                ),
            ],
            want: &[("api", "web", Some("node server.js"), Some("0 * * * *"))],
        },
        Case {
            name: "spring-scheduled-without-web",
            files: &[
                (
                    "pom.xml",
                    "<project><artifactId>batch</artifactId><version>1.0</version><parent><artifactId>spring-boot-starter-parent</artifactId></parent><dependencies><dependency><artifactId>spring-boot-starter</artifactId></dependency></dependencies></project>\n",
                ),
                (
                    "src/main/java/b/App.java",
                    "@SpringBootApplication\n@EnableScheduling\npublic class App {\n  public static void main(String[] a) {}\n  @Scheduled(cron = \"0 0 6 * * *\")\n  public void run() {}\n}\n",
                ),
            ],
            want: &[("batch", "worker", Some("java -jar target/batch-1.0.jar"), Some("0 0 6 * * *"))],
        },
        Case {
            name: "go-robfig-cron",
            files: &[
                ("go.mod", "module example.com/ticker\n\ngo 1.22\n\nrequire github.com/robfig/cron/v3 v3.0.1\n"),
                (
                    "main.go",
                    "package main\n\nimport \"github.com/robfig/cron/v3\"\n\nfunc main() {\n\tc := cron.New()\n\tc.AddFunc(\"@every 5m\", func() {})\n\tc.Start()\n\tselect {}\n}\n",
                ),
            ],
            want: &[("ticker", "worker", Some("/out/ticker"), Some("@every 5m"))],
        },
        Case {
            name: "rust-tokio-cron-scheduler",
            files: &[
                (
                    "Cargo.toml",
                    "[package]\nname = \"sweeper\"\nversion = \"0.1.0\"\n\n[dependencies]\ntokio-cron-scheduler = \"0.13\"\n",
                ),
                (
                    "src/main.rs",
                    "use tokio_cron_scheduler::{Job, JobScheduler};\n\n#[tokio::main]\nasync fn main() {\n    let s = JobScheduler::new().await.unwrap();\n    s.add(Job::new_async(\"0 */10 * * * *\", |_, _| Box::pin(async {})).unwrap()).await.unwrap();\n    s.start().await.unwrap();\n}\n",
                ),
            ],
            want: &[("sweeper", "worker", Some("sweeper"), Some("0 */10 * * * *"))],
        },
        Case {
            name: "sidekiq-cron-schedule-file",
            files: &[
                ("Gemfile", "gem 'rails'\ngem 'sidekiq'\ngem 'sidekiq-cron'\n"),
                ("config/schedule.yml", "nightly_cleanup:\n  cron: \"0 2 * * *\"\n  class: \"CleanupJob\"\n"),
            ],
            want: &[
                ("app", "web", Some("bundle exec rails server -b 0.0.0.0"), None),
                ("app-sidekiq", "worker", Some("bundle exec sidekiq"), Some("0 2 * * *")),
            ],
        },
    ]);
}

#[test]
fn no_schedule_is_guessed() {
    check(&[
        Case {
            // The dependency alone says nothing about when anything runs; the CLI stays a CLI.
            name: "cron-dependency-without-a-schedule",
            files: &[
                (
                    "Cargo.toml",
                    "[package]\nname = \"tool\"\nversion = \"0.1.0\"\n\n[dependencies]\ntokio-cron-scheduler = \"0.13\"\n",
                ),
                (
                    "src/main.rs",
                    "// Job::new(\"0 * * * * *\") is planned\nfn main() { println!(\"Job::new(\\\"* * * * * *\\\")\"); }\n",
                ),
            ],
            want: &[("tool", "cli", Some("tool"), None)],
        },
        Case {
            // A schedule call without the library it belongs to is someone else's method.
            name: "schedule-call-without-the-library",
            files: &[
                ("package.json", r#"{"name":"w","scripts":{"start":"node w.js"},"dependencies":{"amqplib":"0"}}"#),
                ("w.js", "queue.schedule('*/5 * * * *', job);\n"),
            ],
            want: &[("w", "worker", Some("node w.js"), None)],
        },
        Case {
            // Crontabs of tests and `@reboot` lines are not scheduled jobs; a Procfile clock without a schedule the
            // app states is a worker with no schedule.
            name: "test-crontab-and-reboot",
            files: &[
                ("requirements.txt", "flask\n"),
                ("app.py", "from flask import Flask\napp = Flask(__name__)\n"),
                ("tests/fixtures/crontab", "* * * * * python cleanup.py\n"),
                ("crontab", "@reboot python warm.py\n"),
                ("Procfile", "web: flask run\nclock: python clock.py\n"),
            ],
            want: &[("app", "web", Some("flask run"), None), ("app-clock", "worker", Some("python clock.py"), None)],
        },
    ]);
}

/// Platforms' cron configuration: Render's `type: cron` services, Railway's `cronSchedule`, and the app's own
/// Kubernetes CronJobs (matched to the deployable they run, like any manifest).
#[test]
fn platform_cron_files() {
    check(&[
        Case {
            name: "kubernetes-cronjobs",
            files: &[
                (
                    "api/package.json",
                    r#"{"name":"api","scripts":{"start":"node index.js"},"dependencies":{"express":"4"}}"#,
                ),
                ("api/index.js", "require('express')().listen(3000);\n"),
                ("worker/requirements.txt", "celery\n"),
                ("worker/tasks.py", "from celery import Celery\napp = Celery('tasks')\n"),
                (
                    "deploy/cronjobs.yaml",
                    "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: api-cleanup\nspec:\n  schedule: \"0 4 * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: cleanup\n              image: ghcr.io/acme/api:1.2\n              command: [\"node\", \"scripts/cleanup.js\"]\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: digest\nspec:\n  schedule: \"@weekly\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: worker\n              image: ghcr.io/acme/worker:1.2\n",
                ),
            ],
            want: &[
                ("api", "web", Some("node index.js"), None),
                ("api-cleanup", "job", Some("node scripts/cleanup.js"), Some("0 4 * * *")),
                ("worker", "worker", Some("celery -A tasks worker"), None),
                ("worker-digest", "job", Some("celery -A tasks worker"), Some("@weekly")),
            ],
        },
        Case {
            name: "render-cron-service",
            files: &[
                (
                    "api/package.json",
                    r#"{"name":"api","scripts":{"start":"node index.js"},"dependencies":{"express":"4"}}"#,
                ),
                ("api/index.js", "require('express')().listen(process.env.PORT || 3000);\n"),
                (
                    "render.yaml",
                    "services:\n  - type: web\n    name: api\n    rootDir: api\n    startCommand: npm start\n  - type: cron\n    name: nightly-report\n    rootDir: api\n    schedule: \"0 3 * * *\"\n    startCommand: node report.js\n",
                ),
            ],
            want: &[
                ("api", "web", Some("node index.js"), None),
                ("api-nightly-report", "job", Some("node report.js"), Some("0 3 * * *")),
            ],
        },
        Case {
            name: "railway-cron-schedule",
            files: &[
                ("requirements.txt", "requests\n"),
                (
                    "sync.py",
                    "import requests\n\nif __name__ == \"__main__\":\n    requests.get(\"https://example.com\")\n",
                ),
                ("railway.toml", "[deploy]\nstartCommand = \"python sync.py\"\ncronSchedule = \"*/30 * * * *\"\n"),
            ],
            want: &[("app", "job", Some("python sync.py"), Some("*/30 * * * *"))],
        },
    ]);
}

/// More scheduler idioms: clockwork in a Procfile clock process, bree's job list, a Spring placeholder's default,
/// sidekiq-scheduler's YAML.
#[test]
fn more_in_process_idioms() {
    check(&[
        Case {
            name: "clockwork-clock-process",
            files: &[
                ("Gemfile", "gem 'sinatra'\ngem 'clockwork'\n"),
                ("app.rb", "require 'sinatra'\nget '/' do\n  'hi'\nend\n"),
                (
                    "clock.rb",
                    "require 'clockwork'\nmodule Clockwork\n  every(1.day, 'backup', at: '03:00') { Backup.run }\nend\n",
                ),
                ("Procfile", "web: bundle exec ruby app.rb -p $PORT\nclock: bundle exec clockwork clock.rb\n"),
            ],
            want: &[
                ("app", "web", Some("bundle exec ruby app.rb -p $PORT"), None),
                ("app-clock", "worker", Some("bundle exec clockwork clock.rb"), Some("every 1.day at 03:00")),
            ],
        },
        Case {
            name: "bree-jobs",
            files: &[
                ("package.json", r#"{"name":"jobs","scripts":{"start":"node index.js"},"dependencies":{"bree":"9"}}"#),
                (
                    "index.js",
                    "const Bree = require('bree');\nconst bree = new Bree({ jobs: [{ name: 'sync', cron: '15 * * * *' }] });\nbree.start();\n",
                ),
            ],
            want: &[("jobs", "worker", Some("node index.js"), Some("15 * * * *"))],
        },
        Case {
            name: "spring-placeholder-default",
            files: &[
                (
                    "pom.xml",
                    "<project><artifactId>web</artifactId><version>1</version><parent><artifactId>spring-boot-starter-parent</artifactId></parent><dependencies><dependency><artifactId>spring-boot-starter-web</artifactId></dependency></dependencies></project>\n",
                ),
                (
                    "src/main/java/w/Jobs.java",
                    "@SpringBootApplication\npublic class Jobs {\n  public static void main(String[] a) {}\n  @Scheduled(cron = \"${jobs.cleanup:0 30 2 * * *}\")\n  void cleanup() {}\n}\n",
                ),
            ],
            want: &[("web", "web", Some("java -jar target/web-1.jar"), Some("0 30 2 * * *"))],
        },
        Case {
            name: "sidekiq-scheduler-in-a-procfile-worker",
            files: &[
                ("Gemfile", "gem 'rails'\ngem 'sidekiq'\ngem 'sidekiq-scheduler'\n"),
                (
                    "config/sidekiq.yml",
                    ":scheduler:\n  :schedule:\n    hello:\n      every: '45m'\n      class: HelloWorld\n",
                ),
                ("Procfile", "web: bundle exec puma -p $PORT\nworker: bundle exec sidekiq -C config/sidekiq.yml\n"),
            ],
            want: &[
                ("app", "web", Some("bundle exec puma -p $PORT"), None),
                ("app-worker", "worker", Some("bundle exec sidekiq -C config/sidekiq.yml"), Some("every 45m")),
            ],
        },
    ]);
}

/// A job whose schedule the app does not state gets it from stowage.toml, with the override as evidence.
#[test]
fn a_missing_schedule_is_overridden() {
    let dir = support::app(
        "schedule-override",
        &[
            ("Gemfile", "gem 'sinatra'\ngem 'whenever'\n"),
            ("app.rb", "require 'sinatra'\n"),
            ("config/schedule.rb", "every 3.weeks do\n  command 'ruby archive.rb'\nend\n"),
        ],
    );
    let overrides = serde_json::json!({ "services": { "app-archive": { "schedule": "0 0 1 * *" } } });
    let overrides = stowage_analyze::Overrides::parse(Some(&overrides), &Default::default()).expect("valid options");
    let options = stowage_analyze::Options { app_name: "app".into(), overrides, ..Default::default() };
    let model = stowage_analyze::analyze(&dir, &options).expect("analyses");
    let job = model.services.iter().find(|s| s.name == "app-archive").expect("the whenever job");
    assert_eq!(job.kind.value.as_str(), "job");
    let schedule = job.schedule.as_ref().expect("overridden schedule");
    assert_eq!(schedule.value, "0 0 1 * *");
    assert!(schedule.evidence[0].detail.contains("override"), "{:?}", schedule.evidence);
    assert!(stowage_analyze::doc::render(&model).contains("- schedule (CronJob): `0 0 1 * *`"));
}
