//! Maven: version ordering exactly as Maven's `ComparableVersion`, and Maven version ranges.

pub mod version;

pub use version::{MavenRange, MavenScheme, MavenVersion};
