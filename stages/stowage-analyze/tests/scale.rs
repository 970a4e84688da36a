//! A generated 200-service npm monorepo is analysed quickly and completely (the issue's target is under 1 s in a
//! release build; the bound here is loose enough for a debug build on a busy machine, and still catches a
//! quadratic scan).

mod support;

#[test]
fn two_hundred_services() {
    let dir = support::app("scale", &[("package.json", r#"{"name":"big","private":true,"workspaces":["apps/*"]}"#)]);
    for i in 0..200 {
        let manifest = format!(
            r#"{{"name":"s{i}","scripts":{{"start":"node src/index.js"}},"dependencies":{{"express":"4","pg":"8"}}}}"#
        );
        support::write(&dir, &format!("apps/s{i}/package.json"), manifest.as_bytes());
        for j in 0..5 {
            let code = format!(
                "const app = require('express')();\nconst port = process.env.PORT || {};\napp.listen(port);\n// {j}\n",
                3000 + i
            );
            support::write(&dir, &format!("apps/s{i}/src/f{j}.js"), code.as_bytes());
        }
        support::write(&dir, &format!("apps/s{i}/src/routes/health.js"), b"router.get('/health', ok);\n");
    }
    let start = std::time::Instant::now();
    let model = support::analyze_app(&dir);
    let elapsed = start.elapsed();
    assert_eq!(model.services.len(), 200);
    assert!(
        model.services.iter().all(|s| s.health_path.is_some() && s.ports.len() == 1 && s.backing_services.len() == 1)
    );
    assert!(elapsed.as_secs_f64() < 10.0, "took {elapsed:?}");
}
