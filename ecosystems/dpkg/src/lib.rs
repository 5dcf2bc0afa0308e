//! dpkg: the installed-package database, file ownership (`info/*.list`) and Debian version
//! ordering.

mod analyzer;
pub mod info;
pub mod status;
pub mod version;

pub use analyzer::DpkgStatusAnalyzer;
pub use info::DpkgInfoAnalyzer;
pub use version::{DebScheme, DebVersion};
