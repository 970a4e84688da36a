//! The `analyze` stage binary: the stage contract around [`stowage_analyze::run_stage`].

stowage_kit::stage_main!(stowage_analyze::run_stage);
