//! Go modules: version ordering exactly as `golang.org/x/mod/semver`.

pub mod version;

pub use version::{GoScheme, GoVersion};
