//! The matcher interface.
//!
//! A [`Matcher`] never touches the store: it declares the lookups a package needs
//! ([`Query`]) and judges each candidate advisory ([`Matcher::verdict`]). The scan crate runs
//! the lookups. This keeps matchers pure and testable without a database, and lets the
//! server batch lookups however it likes.

use customs_model::{Advisory, Distro, Package};
pub use customs_version::Verdict;

/// One store lookup: advisories for `package` in `namespace`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Query {
    pub namespace: String,
    pub package: String,
}

/// Matches one family of packages (an OS family or a language ecosystem) against its feeds.
pub trait Matcher: Send + Sync {
    /// A stable identifier, e.g. `debian`.
    fn id(&self) -> &'static str;

    /// The lookups to make for `pkg`; empty when this matcher does not handle it.
    fn queries(&self, pkg: &Package, distro: Option<&Distro>) -> Vec<Query>;

    /// Judges one candidate advisory.
    fn verdict(&self, pkg: &Package, adv: &Advisory) -> Verdict;

    /// When several feeds cover the same vulnerability for the same package, the record from
    /// the feed with the lowest precedence decides; the others add their advisory ids.
    fn feed_precedence(&self, feed: &str) -> u32 {
        let _ = feed;
        100
    }
}
