//! Prints the model of an app as JSON, for looking at detection results by hand:
//! `cargo run -p stowage-analyze --example dump -- PATH [EXCLUDE_GLOB...]`.

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(root) = args.next() else {
        eprintln!("usage: dump PATH [EXCLUDE_GLOB...]");
        std::process::exit(2);
    };
    let options = stowage_analyze::Options { exclude: args.collect(), ..Default::default() };
    match stowage_analyze::analyze(std::path::Path::new(&root), &options) {
        Ok(model) => println!("{}", serde_json::to_string_pretty(&model).unwrap_or_default()),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
}
