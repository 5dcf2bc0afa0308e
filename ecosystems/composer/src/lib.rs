//! Composer (Packagist): version normalisation, ordering and constraints exactly as
//! `composer/semver` (`VersionParser`, `Comparator`, `Semver::satisfies`) and PHP's
//! `version_compare`; and the analyzers that find PHP packages in an image
//! ([`ComposerLockAnalyzer`], [`ComposerInstalledAnalyzer`], see [`analyzer`]).

pub mod analyzer;
pub mod php;
pub mod version;

pub use analyzer::{
    COMPOSER_JSON_LIMIT, ComposerInstalledAnalyzer, ComposerLockAnalyzer, parse_composer_lock,
    parse_installed_json,
};
pub use version::{ComposerConstraint, ComposerScheme, ComposerVersion};
