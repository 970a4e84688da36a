//! `stages`: list every stage of the pipeline, where it comes from, and the order it runs in.

use serde::Serialize;

use crate::cli::{Format, StagesArgs};
use crate::config::{self, Flags};
use crate::containerize::app_root;
use crate::discover;
use crate::failure::Result;
use crate::home::Home;

#[derive(Serialize)]
struct Row {
    order: usize,
    name: String,
    kind: stowage_kit::StageKind,
    after: Vec<String>,
    origin: String,
    summary: String,
}

pub fn run(home: &Home, args: &StagesArgs) -> Result<i32> {
    let app_root = app_root(home, args.app.app.as_deref())?;
    let loaded = config::load(&app_root, &Flags::default())?;
    let found = home.find()?;
    for warning in &found.warnings {
        eprintln!("warning: {}", crate::for_terminal(warning));
    }
    let mut all = found.stages;
    all.extend(discover::external_stages(&loaded.config)?);
    let ordered = discover::order(all)?;
    discover::check_stage_options(&loaded.config, &ordered.iter().map(|s| s.name.clone()).collect())?;
    let rows: Vec<Row> = ordered
        .iter()
        .enumerate()
        .map(|(i, s)| Row {
            order: i + 1,
            name: s.name.clone(),
            kind: s.kind,
            after: s.after.clone(),
            origin: s.origin_label(home.root()),
            summary: s.summary.clone(),
        })
        .collect();
    match args.format {
        Format::Json => crate::print_stdout(&(serde_json::to_string_pretty(&rows).expect("rows serialize") + "\n")),
        Format::Human => {
            for row in &rows {
                let kind = match row.kind {
                    stowage_kit::StageKind::Generator => "generator",
                    stowage_kit::StageKind::Gate => "gate",
                };
                let after =
                    if row.after.is_empty() { String::new() } else { format!(" (after {})", row.after.join(", ")) };
                crate::print_stdout(&format!(
                    "{:>2}. {:<12} {:<9} {}{after}\n      {}\n",
                    row.order, row.name, kind, row.origin, row.summary
                ));
            }
        }
    }
    Ok(0)
}
