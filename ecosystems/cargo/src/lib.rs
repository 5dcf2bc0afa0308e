//! Cargo: Semantic Versioning 2.0 ordering and Cargo's requirement syntax, and the Rust
//! application analyzers: [`CargoLockAnalyzer`] (`Cargo.lock`) and [`CargoAuditableAnalyzer`]
//! (dependency lists that `cargo auditable` embeds in binaries).

mod analyzer;
pub mod auditable;
pub mod lockfile;
pub mod version;

pub use analyzer::{CargoAuditableAnalyzer, CargoLockAnalyzer};
pub use version::{SemverScheme, SemverVersion};
