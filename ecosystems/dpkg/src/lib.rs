//! dpkg: the installed-package database and Debian version ordering.

mod analyzer;
pub mod status;
pub mod version;

pub use analyzer::DpkgStatusAnalyzer;
pub use version::{DebScheme, DebVersion};
