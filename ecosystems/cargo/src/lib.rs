//! Cargo: Semantic Versioning 2.0 ordering and Cargo's requirement syntax.

pub mod version;

pub use version::{SemverScheme, SemverVersion};
