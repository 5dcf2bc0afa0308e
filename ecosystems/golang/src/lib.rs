//! Go modules: version ordering exactly as `golang.org/x/mod/semver`, and the Go application
//! analyzers: [`GoBinaryAnalyzer`] (build info embedded in executables) and [`GoModAnalyzer`]
//! (`go.mod`).

mod analyzer;
pub mod buildinfo;
pub mod gomod;
pub mod version;

pub use analyzer::{DEVEL, GoBinaryAnalyzer, GoModAnalyzer, binary_packages, golang_purl};
pub use version::{GoScheme, GoVersion};
