//! Domain types shared by every customs crate.
//!
//! This crate does no I/O. Types that come from untrusted input are validated when they are
//! built (`Digest::parse`), so an invalid value cannot exist in memory. Everything here is
//! `Serialize`/`Deserialize` because the layer cache and the JSON report persist it.

mod advisory;
mod digest;
mod distro;
mod finding;
mod package;
mod purl;
mod report;
mod vulnerability;

pub use advisory::{Advisory, AffectedRange, OsvEvent, Severity, Status};
pub use digest::{Digest, DigestAlgorithm, DigestError};
pub use distro::Distro;
pub use finding::{Finding, MatchDetail, SuppressedFinding};
pub use package::{DependencyScope, Package, PackageOrigin};
pub use purl::{Purl, PurlParts};
pub use report::{
    Artifact, LayerShare, REPORT_SCHEMA_VERSION, Remediation, Report, ReportDb, ReportDiagnostic,
    ReportLayer, ReportOs, Upgrade,
};
pub use vulnerability::{CvssScore, Epss, Kev, VulnerabilityInfo};
