//! apk: the Alpine installed-package database and version ordering, exactly as apk-tools
//! does it.

mod analyzer;
pub mod installed;
pub mod version;

pub use analyzer::{ApkInstalledAnalyzer, INSTALLED_LIMIT, INSTALLED_PATH};
pub use installed::{InstalledEntry, InstalledProblem, parse_installed};
pub use version::{ApkScheme, ApkVersion};
