//! `NuGet`: version ordering and version ranges as `NuGet.Versioning` (`NuGetVersion`,
//! `VersionComparer.Default`, `VersionRange`) reads them.

pub mod version;

pub use version::{NuGetRange, NuGetScheme, NuGetVersion};
