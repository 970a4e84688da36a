//! Shared helpers of the integration tests live in `it/`; this crate has no library code.
