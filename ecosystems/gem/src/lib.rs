//! Ruby gems: version ordering exactly as `Gem::Version`, and `Gem::Requirement`.

pub mod version;

pub use version::{GemScheme, GemVersion};
