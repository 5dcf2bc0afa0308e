//! dpkg: the installed-package database and Debian version ordering.

pub mod version;

pub use version::{DebScheme, DebVersion};
