//! The binary form of an advisory inside a stored set (schema 5).
//!
//! Reading advisories is most of what matching does: a 1,000-package image asks for tens of
//! thousands of candidate records, and as JSON their decoding was half of matching's
//! instructions (key matching, escape scanning, number parsing). This form is a fixed field
//! order with length-prefixed strings, so decoding is a sequence of bounds checks and UTF-8
//! validations.
//!
//! One record, after its set's framing (see `records`):
//!
//! ```text
//! str vulnerability_id   str record_id   str source ("" = the set's feed)   str scheme
//! u8  status             u8  severity    range affected
//! opt fixed_version      vec advisory_ids   vec aliases   opt notes
//! ```
//!
//! `str` is a LEB128 length and UTF-8 bytes; `opt` a byte 0 (none) or 1 and a `str`; `vec` a
//! LEB128 count and that many `str`; `status` and `severity` are positions in
//! [`Status::ALL`] and [`Severity::ALL`]; `range` is a byte (0 all, 1 less than + `str`,
//! 2 OSV events, 3 versions, 4 nothing) then, for OSV, a count and per event a byte (0
//! introduced, 1 fixed, 2 last affected, 3 limit) and a `str`, and for versions a `vec`.
//! The identifiers come first so change detection (`set_keys`) reads them and skips the
//! rest. `namespace` and `package` are not stored: the set's row holds them.
//!
//! [`encode`] destructures [`Advisory`] without `..`, so a field added to the model does not
//! compile until it has a place here (and a schema version bump).

use customs_model::{Advisory, AffectedRange, OsvEvent, Severity, Status};

/// Appends `adv`'s stored form to `out`; `source` is written empty when it is `feed`.
pub(crate) fn encode(adv: &Advisory, feed: &str, out: &mut Vec<u8>) {
    let Advisory {
        vulnerability_id,
        namespace: _,
        package: _,
        scheme,
        status,
        affected,
        fixed_version,
        severity,
        advisory_ids,
        aliases,
        notes,
        source,
        record_id,
    } = adv;
    put_str(out, vulnerability_id);
    put_str(out, record_id);
    put_str(out, if source == feed { "" } else { source });
    put_str(out, scheme);
    out.push(position(&Status::ALL, status));
    out.push(position(&Severity::ALL, severity));
    match affected {
        AffectedRange::All => out.push(0),
        AffectedRange::LessThan(v) => {
            out.push(1);
            put_str(out, v);
        }
        AffectedRange::Osv(events) => {
            out.push(2);
            put_len(out, events.len());
            for e in events {
                let (tag, v) = match e {
                    OsvEvent::Introduced(v) => (0, v),
                    OsvEvent::Fixed(v) => (1, v),
                    OsvEvent::LastAffected(v) => (2, v),
                    OsvEvent::Limit(v) => (3, v),
                };
                out.push(tag);
                put_str(out, v);
            }
        }
        AffectedRange::Versions(list) => {
            out.push(3);
            put_strs(out, list);
        }
        AffectedRange::Nothing => out.push(4),
    }
    put_opt(out, fixed_version.as_deref());
    put_strs(out, advisory_ids);
    put_strs(out, aliases);
    put_opt(out, notes.as_deref());
}

fn position<T: PartialEq>(all: &[T], v: &T) -> u8 {
    let i = all
        .iter()
        .position(|x| x == v)
        .expect("ALL lists every variant");
    u8::try_from(i).expect("fewer than 256 variants")
}

/// Appends a LEB128 number.
pub(crate) fn put_len(out: &mut Vec<u8>, n: usize) {
    let mut n = n as u64;
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
    }
}

fn put_strs(out: &mut Vec<u8>, list: &[String]) {
    put_len(out, list.len());
    for s in list {
        put_str(out, s);
    }
}

/// Reads stored bytes front to back; every read is bounds-checked, and a malformed input
/// is an error naming what was being read, never a panic or an allocation larger than the
/// input.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

type Result<T> = std::result::Result<T, String>;

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub(crate) fn byte(&mut self, what: &str) -> Result<u8> {
        let (&b, rest) = self
            .buf
            .split_first()
            .ok_or_else(|| format!("truncated before {what}"))?;
        self.buf = rest;
        Ok(b)
    }

    pub(crate) fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        if n > self.buf.len() {
            return Err(format!(
                "{what} claims {n} bytes, {} remain",
                self.buf.len()
            ));
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    pub(crate) fn len(&mut self, what: &str) -> Result<usize> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte(what)?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return usize::try_from(n).map_err(|_| format!("{what} is too large"));
            }
        }
        Err(format!("{what} is not a valid length"))
    }

    fn str(&mut self, what: &str) -> Result<&'a str> {
        let n = self.len(what)?;
        std::str::from_utf8(self.bytes(n, what)?).map_err(|_| format!("{what} is not UTF-8"))
    }

    fn string(&mut self, what: &str) -> Result<String> {
        self.str(what).map(str::to_owned)
    }

    fn opt(&mut self, what: &str) -> Result<Option<String>> {
        match self.byte(what)? {
            0 => Ok(None),
            1 => self.string(what).map(Some),
            b => Err(format!("{what}: bad option tag {b}")),
        }
    }

    /// A count of items each at least one byte long: never more than the bytes left, so a
    /// lying count cannot reserve more memory than the input's size.
    fn count(&mut self, what: &str) -> Result<usize> {
        let n = self.len(what)?;
        if n > self.buf.len() {
            return Err(format!(
                "{what} claims {n} items, {} bytes remain",
                self.buf.len()
            ));
        }
        Ok(n)
    }

    fn strings(&mut self, what: &str) -> Result<Vec<String>> {
        let n = self.count(what)?;
        (0..n).map(|_| self.string(what)).collect()
    }
}

/// The identifiers of a stored record (its first two fields), for change detection.
pub(crate) fn decode_ids(r: &mut Reader) -> Result<(String, String)> {
    Ok((r.string("vulnerability_id")?, r.string("record_id")?))
}

/// Reads one stored record back into the advisory the parser produced.
pub(crate) fn decode(
    r: &mut Reader,
    namespace: &str,
    package: &str,
    feed: &str,
) -> Result<Advisory> {
    let vulnerability_id = r.string("vulnerability_id")?;
    let record_id = r.string("record_id")?;
    let source = match r.str("source")? {
        "" => feed.to_owned(),
        s => s.to_owned(),
    };
    let scheme = r.string("scheme")?;
    let status = *Status::ALL
        .get(usize::from(r.byte("status")?))
        .ok_or("status out of range")?;
    let severity = *Severity::ALL
        .get(usize::from(r.byte("severity")?))
        .ok_or("severity out of range")?;
    let affected = match r.byte("affected")? {
        0 => AffectedRange::All,
        1 => AffectedRange::LessThan(r.string("affected version")?),
        2 => {
            let n = r.count("OSV events")?;
            let mut events = Vec::with_capacity(n);
            for _ in 0..n {
                let tag = r.byte("OSV event")?;
                let v = r.string("OSV event version")?;
                events.push(match tag {
                    0 => OsvEvent::Introduced(v),
                    1 => OsvEvent::Fixed(v),
                    2 => OsvEvent::LastAffected(v),
                    3 => OsvEvent::Limit(v),
                    t => return Err(format!("OSV event: bad tag {t}")),
                });
            }
            AffectedRange::Osv(events)
        }
        3 => AffectedRange::Versions(r.strings("affected versions")?),
        4 => AffectedRange::Nothing,
        t => return Err(format!("affected: bad range tag {t}")),
    };
    Ok(Advisory {
        vulnerability_id,
        namespace: namespace.to_owned(),
        package: package.to_owned(),
        scheme,
        status,
        affected,
        fixed_version: r.opt("fixed_version")?,
        severity,
        advisory_ids: r.strings("advisory_ids")?,
        aliases: r.strings("aliases")?,
        notes: r.opt("notes")?,
        source,
        record_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(affected: AffectedRange, source: &str) -> Advisory {
        Advisory {
            vulnerability_id: "CVE-2023-5678".into(),
            namespace: "debian:12".into(),
            package: "openssl".into(),
            scheme: "deb".into(),
            status: Status::WillNotFix,
            affected,
            fixed_version: Some("3.0.11-1~deb12u2".into()),
            severity: Severity::Critical,
            advisory_ids: vec!["DSA-5532-1".into(), "DLA-1".into()],
            aliases: vec!["GHSA-x".into()],
            notes: Some("ünïcode note".into()),
            source: source.into(),
            record_id: "rec-1".into(),
        }
    }

    #[test]
    fn every_shape_round_trips() {
        let long = "v".repeat(300); // a two-byte length
        for affected in [
            AffectedRange::All,
            AffectedRange::Nothing,
            AffectedRange::LessThan(long.clone()),
            AffectedRange::Versions(vec!["1".into(), String::new(), long]),
            AffectedRange::Osv(vec![
                OsvEvent::Introduced("0".into()),
                OsvEvent::Fixed("1.2".into()),
                OsvEvent::LastAffected("1.3".into()),
                OsvEvent::Limit("2".into()),
            ]),
        ] {
            for source in ["debian-oval", "nvd"] {
                let adv = sample(affected.clone(), source);
                let mut buf = Vec::new();
                encode(&adv, "debian-oval", &mut buf);
                let mut r = Reader::new(&buf);
                let back = decode(&mut r, "debian:12", "openssl", "debian-oval").unwrap();
                assert!(r.is_empty());
                assert_eq!(back, adv);
            }
        }
        let mut bare = sample(AffectedRange::All, "f");
        (bare.fixed_version, bare.notes) = (None, None);
        (bare.advisory_ids, bare.aliases) = (Vec::new(), Vec::new());
        let mut buf = Vec::new();
        encode(&bare, "f", &mut buf);
        let back = decode(&mut Reader::new(&buf), "debian:12", "openssl", "f").unwrap();
        assert_eq!(back, bare);
    }

    #[test]
    fn every_truncation_and_bad_tag_is_an_error() {
        let mut buf = Vec::new();
        encode(&sample(AffectedRange::All, "x"), "f", &mut buf);
        for cut in 0..buf.len() {
            assert!(decode(&mut Reader::new(&buf[..cut]), "n", "p", "f").is_err());
        }
        // A huge claimed length, a status past the last variant, invalid UTF-8.
        let mut huge = Vec::new();
        put_len(&mut huge, usize::MAX);
        assert!(decode(&mut Reader::new(&huge), "n", "p", "f").is_err());
        let mut bad = buf.clone();
        // After "CVE-2023-5678", "rec-1", "x" and "deb", each behind a one-byte length.
        let status_at = (1 + 13) + (1 + 5) + (1 + 1) + (1 + 3);
        assert_eq!(bad[status_at], 2, "WillNotFix's position");
        bad[status_at] = 200;
        let err = decode(&mut Reader::new(&bad), "n", "p", "f").unwrap_err();
        assert!(err.contains("status"), "{err}");
        let mut not_utf8 = Vec::new();
        put_len(&mut not_utf8, 2);
        not_utf8.extend_from_slice(&[0xff, 0xfe]);
        let err = decode(&mut Reader::new(&not_utf8), "n", "p", "f").unwrap_err();
        assert!(err.contains("UTF-8"), "{err}");
        // An eleven-byte LEB128 number.
        let err = Reader::new(&[0xff; 11]).len("n").unwrap_err();
        assert!(err.contains("valid length"), "{err}");
    }
}
