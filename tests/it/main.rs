//! Integration tests: one binary, a module per area, each driven by data (cases, fixtures, docs).
//!
//! Every test runs the real binaries (`xtask`, `stowage`, the stages) the way a person or CI does.

mod cases;
mod commands;
mod contract;
mod fixtures;
mod installed;
mod stage_authoring;
mod standalone;
mod support;
