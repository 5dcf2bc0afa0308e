//! OSV: vulnerabilities of application packages in every language ecosystem.
//!
//! [OSV](https://ossf.github.io/osv-schema/) is the record format of osv.dev and of the
//! advisory databases it aggregates: GitHub's (GHSA), `PyPA`'s (PYSEC), the Go vulnerability
//! database (GO), `RustSec`, and others. One record describes one vulnerability and lists, per
//! affected package, version ranges and/or affected versions.
//!
//! * [`OsvFeedParser`] (feed kinds `osv` and `ghsa`) turns records into one advisory per
//!   package and affected interval ([`convert`] explains the mapping).
//! * [`OsvMatcher`] matches inventoried application packages against them.
//!
//! Decision: version schemes are the ecosystem crates' own types, named in one table
//! ([`convert::ECOSYSTEMS`]). customs-osv depends on those leaf crates directly; taking the
//! registry's `Schemes` would need customs-ecosystems, which depends on this crate.

pub mod convert;
pub mod cvss;
mod feed;
mod matcher;
pub mod record;
pub mod yaml;

pub use feed::{MAX_INPUT_BYTES, OsvFeedParser};
pub use matcher::{OsvMatcher, go_toolchain_version};
