//! The JSON Schema (draft 2020-12) of the report, printed by `k8sjoin-check schema`.
//!
//! Kept as a JSON file so that it reads as the contract it is; tests validate real reports
//! against it, so it cannot drift from what the tool writes.

pub const REPORT_SCHEMA: &str = include_str!("schema.json");
