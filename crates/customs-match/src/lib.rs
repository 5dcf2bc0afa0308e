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

    /// All that [`Matcher::verdict`] reads of `pkg`, when that is one string (its version,
    /// or its source package's version): packages with equal keys and equal
    /// [`Matcher::queries`] then get equal verdicts, texts included, from every advisory, so
    /// matching judges one of them and copies the findings to the others. An image holds a
    /// dozen binary packages of one source (`glibc`, `systemd`), each judged against the
    /// same hundreds of records otherwise.
    ///
    /// `None` (the default) judges each package on its own; a matcher whose verdict reads
    /// the package's name, architecture or anything else must keep it.
    fn verdict_key<'p>(&self, pkg: &'p Package) -> Option<&'p str> {
        let _ = pkg;
        None
    }

    /// When several feeds cover the same vulnerability for the same package, the record from
    /// the feed with the lowest precedence decides; the others add their advisory ids.
    fn feed_precedence(&self, feed: &str) -> u32 {
        let _ = feed;
        100
    }
}
