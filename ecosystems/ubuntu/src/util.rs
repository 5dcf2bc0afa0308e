//! Helpers shared by the feed parsers: an input size limit, version normalisation and the
//! Ubuntu priority vocabulary.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

use customs_feed::{FeedError, FeedInput};
use customs_model::Severity;
use customs_version::VersionScheme;

/// Reads at most `limit` bytes from `inner`; one byte more sets the shared flag and fails
/// the read, so the parser can report [`FeedError::Limit`] instead of an I/O error.
pub(crate) struct Capped<'a> {
    inner: &'a mut dyn Read,
    left: u64,
    over: Rc<Cell<bool>>,
}

impl<'a> Capped<'a> {
    pub(crate) fn new(inner: &'a mut dyn Read, limit: u64) -> (Self, Rc<Cell<bool>>) {
        let over = Rc::new(Cell::new(false));
        let reader = Capped {
            inner,
            left: limit,
            over: Rc::clone(&over),
        };
        (reader, over)
    }
}

impl Read for Capped<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let mut one = [0u8; 1];
            if self.inner.read(&mut one)? == 0 {
                return Ok(0);
            }
            self.over.set(true);
            return Err(io::Error::other("input size limit exceeded"));
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left = self.left.saturating_sub(n as u64);
        Ok(n)
    }
}

pub(crate) fn limit_error(input: &FeedInput, limit: u64, what: impl Into<String>) -> FeedError {
    FeedError::Limit {
        kind: input.kind.clone(),
        location: input.location.clone(),
        limit,
        what: what.into(),
    }
}

/// Drops a zero epoch (`0:1.2-3` → `1.2-3`): OVAL writes every version with an epoch,
/// dpkg omits a zero one. Both compare equal, but reports read better without it.
pub(crate) fn normalize_version(v: &str) -> String {
    let v = v.trim();
    v.strip_prefix("0:").unwrap_or(v).to_owned()
}

/// Whether `v` is a Debian version [`customs_dpkg::DebScheme`] accepts.
pub(crate) fn valid_deb_version(v: &str) -> bool {
    !v.is_empty() && customs_dpkg::DebScheme.validate(v).is_ok()
}

/// Ubuntu's priorities (`negligible`, `low`, `medium`, `high`, `critical`); `untriaged`
/// and anything else is [`Severity::Unknown`]. The OVAL `<severity>` element capitalises
/// them (`Medium`) and writes `None` for notices without CVEs.
pub(crate) fn severity_of_priority(p: &str) -> Severity {
    match p.trim().to_ascii_lowercase().as_str() {
        "negligible" => Severity::Negligible,
        "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        "critical" => Severity::Critical,
        _ => Severity::Unknown,
    }
}

/// The note on a fix only Ubuntu Pro (ESM) subscribers get.
pub(crate) fn pro_note(version: &str) -> String {
    format!(
        "fix available with Ubuntu Pro (ESM) in {version}; not in the public archive, so a system without Pro stays affected"
    )
}
