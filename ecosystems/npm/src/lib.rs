//! npm: node-semver version ordering and ranges, as npm uses them (loose parsing).

pub mod version;

pub use version::{NpmRange, NpmScheme, NpmVersion};
