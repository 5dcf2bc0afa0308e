//! rpm: version ordering exactly as rpm does it (`rpmvercmp`, `rpmverCmp`).

pub mod version;

pub use version::{RpmScheme, RpmVersion, rpmvercmp};
