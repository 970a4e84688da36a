//! The `verify` stage binary: the contract handling is in stowage-kit, the work in the library.

stowage_kit::stage_main!(stowage_verify::run_stage);
