//! `NuGet`: version ordering and version ranges as `NuGet.Versioning` (`NuGetVersion`,
//! `VersionComparer.Default`, `VersionRange`) reads them; and the analyzers that find .NET
//! packages in an image ([`DepsJsonAnalyzer`], [`PackagesLockAnalyzer`], see [`analyzer`]).

pub mod analyzer;
pub mod version;

pub use analyzer::{DepsJsonAnalyzer, NUGET_JSON_LIMIT, PackagesLockAnalyzer};
pub use version::{NuGetRange, NuGetScheme, NuGetVersion};
