//! Photon OS: the `photon` feed (`cve_data_photon{VERSION}.json`) and the rpm matcher
//! for `photon` images.
//!
//! Photon images are detected from `etc/os-release` (`ID=photon`, `VERSION_ID=4.0`) by
//! `customs-os-release`; this crate adds no analyzer. Every input is untrusted: the
//! document size is capped and malformed documents are errors naming the input.

pub mod cve;
pub mod matcher;

pub use cve::PhotonCveParser;
pub use matcher::PhotonMatcher;
