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

/// A purl taken apart (and percent-decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurlParts {
    pub ty: String,
    pub namespace: Option<String>,
    pub name: String,
    pub version: Option<String>,
    pub qualifiers: std::collections::BTreeMap<String, String>,
}

impl PurlParts {
    pub fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

fn decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .ok_or_else(|| format!("bad percent-encoding in {s:?}"))?;
            out.push(
                u8::from_str_radix(hex, 16)
                    .map_err(|_| format!("bad percent-encoding in {s:?}"))?,
            );
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("purl part {s:?} is not UTF-8"))
}

impl Purl {
    /// Parses a purl string (from an SBOM), validating its shape.
    pub fn parse(s: &str) -> Result<(Purl, PurlParts), String> {
        let shown = || s.chars().take(200).collect::<String>();
        let rest = s
            .strip_prefix("pkg:")
            .ok_or_else(|| format!("not a purl (no pkg: scheme): {:?}", shown()))?;
        let rest = rest.split('#').next().unwrap_or(rest);
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let path = path.trim_start_matches('/');
        let (ty, path) = path
            .split_once('/')
            .ok_or_else(|| format!("purl has no name: {:?}", shown()))?;
        if ty.is_empty()
            || !ty
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".+-".contains(&b))
        {
            return Err(format!("purl has an invalid type: {:?}", shown()));
        }
        let (path, version) = match path.rsplit_once('@') {
            Some((p, v)) => (p, Some(decode(v)?)),
            None => (path, None),
        };
        let path = path.trim_end_matches('/');
        let (namespace, name) = match path.rsplit_once('/') {
            Some((ns, n)) => (
                Some(
                    ns.split('/')
                        .map(decode)
                        .collect::<Result<Vec<_>, _>>()?
                        .join("/"),
                ),
                decode(n)?,
            ),
            None => (None, decode(path)?),
        };
        if name.is_empty() {
            return Err(format!("purl has an empty name: {:?}", shown()));
        }
        let mut qualifiers = std::collections::BTreeMap::new();
        for q in query.split('&').filter(|q| !q.is_empty()) {
            let (k, v) = q
                .split_once('=')
                .ok_or_else(|| format!("bad purl qualifier {q:?}"))?;
            qualifiers.insert(k.to_ascii_lowercase(), decode(v)?);
        }
        let ty = ty.to_ascii_lowercase();
        let quals: Vec<(&str, &str)> = qualifiers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let purl = Purl::new(&ty, namespace.as_deref(), &name, version.as_deref(), &quals);
        Ok((
            purl,
            PurlParts {
                ty,
                namespace,
                name,
                version,
                qualifiers,
            },
        ))
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
        let q = Purl::new(
            "rpm",
            Some("redhat"),
            "curl",
            Some("7.61.1-22.el8"),
            &[("arch", "x86_64"), ("upstream", "curl")],
        );
        assert_eq!(
            q.with_qualifier("distro", "rhel-8.6").as_str(),
            "pkg:rpm/redhat/curl@7.61.1-22.el8?arch=x86_64&distro=rhel-8.6&upstream=curl"
        );
        assert_eq!(
            q.with_qualifier("arch", "").as_str(),
            "pkg:rpm/redhat/curl@7.61.1-22.el8?upstream=curl"
        );
    }

    #[test]
    fn parse_round_trips() {
        let (p, parts) = Purl::parse("pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb10u3?distro=debian-10&arch=amd64&upstream=openssl%401.1.1n").unwrap();
        assert_eq!(parts.version.as_deref(), Some("1.1.1n-0+deb10u3"));
        assert_eq!(parts.qualifier("upstream"), Some("openssl@1.1.1n"));
        assert_eq!(parts.namespace.as_deref(), Some("debian"));
        assert_eq!(
            p.as_str(),
            "pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb10u3?arch=amd64&distro=debian-10&upstream=openssl%401.1.1n"
        );
        let (_, g) =
            Purl::parse("pkg:golang/github.com/wagoodman/go-partybus@v0.0.0-2023").unwrap();
        assert_eq!(
            (g.namespace.as_deref(), g.name.as_str()),
            (Some("github.com/wagoodman"), "go-partybus")
        );
        for bad in [
            "",
            "deb/x@1",
            "pkg:",
            "pkg:deb",
            "pkg:deb/",
            "pkg:deb/x@1?arch",
            "pkg:deb/x%zz@1",
        ] {
            assert!(Purl::parse(bad).is_err(), "{bad:?}");
        }
    }
}
