//! Composer (Packagist): version normalisation, ordering and constraints exactly as
//! `composer/semver` (`VersionParser`, `Comparator`, `Semver::satisfies`) and PHP's
//! `version_compare`.

pub mod php;
pub mod version;

pub use version::{ComposerConstraint, ComposerScheme, ComposerVersion};
