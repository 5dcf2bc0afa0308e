//! Amazon Linux: the ALAS advisory feed (`amazon-alas`) and the rpm matcher for `amzn`.
//!
//! Amazon publishes its security advisories (ALAS) as one HTML page per advisory under
//! `https://alas.aws.amazon.com/{,AL2/,AL2022/,AL2023/}ALAS…html`, indexed by one RSS feed
//! per release. vunnel (grype's feed builder) reads those pages; so does this parser (see
//! [`alas`] for the fields read). The RSS feeds carry no fixed versions, so they are only an
//! index: the default locations are `rss:https://alas.aws.amazon.com/…/alas.rss`, which the
//! fetcher (`customs_feed::index`) expands into the pages the feed links to;
//! [`alas::advisory_links`] lists them the same way.
//!
//! Every input is untrusted: each has a size limit and malformed pages are errors naming
//! the input, never panics.

pub mod alas;
pub mod matcher;

pub use alas::AmazonAlasParser;
pub use matcher::AmazonMatcher;
