use std::fmt::{self, Write as _};

use serde::{Deserialize, Serialize};

/// A package URL (<https://github.com/package-url/purl-spec>), built from validated parts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Purl(String);

impl Purl {
    /// Builds `pkg:TYPE/NAMESPACE/NAME@VERSION?QUALIFIERS`, percent-encoding each part.
    /// Qualifiers with empty values are dropped and the rest sorted by key, as the spec asks.
    pub fn new(
        ty: &str,
        namespace: Option<&str>,
        name: &str,
        version: Option<&str>,
        qualifiers: &[(&str, &str)],
    ) -> Self {
        let mut s = format!("pkg:{}/", ty.to_ascii_lowercase());
        if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
            for seg in ns.split('/') {
                s.push_str(&encode(seg));
                s.push('/');
            }
        }
        s.push_str(&encode(name));
        if let Some(v) = version.filter(|v| !v.is_empty()) {
            s.push('@');
            s.push_str(&encode(v));
        }
        let mut qs: Vec<_> = qualifiers.iter().filter(|(_, v)| !v.is_empty()).collect();
        qs.sort_by_key(|(k, _)| *k);
        for (i, (k, v)) in qs.iter().enumerate() {
            s.push(if i == 0 { '?' } else { '&' });
            s.push_str(&k.to_ascii_lowercase());
            s.push('=');
            s.push_str(&encode(v));
        }
        Purl(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The same purl with qualifier `key` set to `value` (replacing an existing one), the
    /// qualifiers kept sorted by key as the spec asks.
    #[must_use]
    pub fn with_qualifier(&self, key: &str, value: &str) -> Purl {
        let (base, query) = self.0.split_once('?').unwrap_or((&self.0, ""));
        let key = key.to_ascii_lowercase();
        let mut qs: Vec<(String, String)> = query
            .split('&')
            .filter(|q| !q.is_empty())
            .filter_map(|q| q.split_once('='))
            .filter(|(k, _)| *k != key)
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        if !value.is_empty() {
            qs.push((key, encode(value)));
        }
        qs.sort();
        let mut s = base.to_owned();
        for (i, (k, v)) in qs.iter().enumerate() {
            s.push(if i == 0 { '?' } else { '&' });
            s.push_str(k);
            s.push('=');
            s.push_str(v);
        }
        Purl(s)
    }
}

impl fmt::Display for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            out.push(b as char);
        } else if b == b':' {
            // ':' is allowed unencoded in versions by the spec (epochs: 1:2.3-4).
            out.push(':');
        } else if b == b'+' {
            out.push_str("%2B");
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deb_purl() {
        let p = Purl::new(
            "deb",
            Some("debian"),
            "libssl1.1",
            Some("1.1.1n-0+deb10u3"),
            &[("arch", "amd64"), ("distro", "debian-10"), ("upstream", "")],
        );
        assert_eq!(
            p.as_str(),
            "pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb10u3?arch=amd64&distro=debian-10"
        );
        let q = Purl::new("rpm", Some("redhat"), "curl", Some("7.61.1-22.el8"), &[("arch", "x86_64"), ("upstream", "curl")]);
        assert_eq!(
            q.with_qualifier("distro", "rhel-8.6").as_str(),
            "pkg:rpm/redhat/curl@7.61.1-22.el8?arch=x86_64&distro=rhel-8.6&upstream=curl"
        );
        assert_eq!(q.with_qualifier("arch", "").as_str(), "pkg:rpm/redhat/curl@7.61.1-22.el8?upstream=curl");
    }
}
