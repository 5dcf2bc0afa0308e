//! apk: Alpine package version ordering, exactly as apk-tools does it.

pub mod version;

pub use version::{ApkScheme, ApkVersion};
