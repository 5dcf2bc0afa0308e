//! `/etc/os-release` and `/usr/lib/os-release`
//! (<https://www.freedesktop.org/software/systemd/man/os-release.html>).
//!
//! The file is a list of shell-style `KEY=VALUE` assignments. We parse the subset the spec
//! allows (single or double quotes, backslash escapes inside double quotes, comments) and
//! never evaluate anything.

use std::collections::BTreeMap;

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};
use customs_model::Distro;

const LIMIT: u64 = 64 * 1024;

/// Distributions whose feeds customs keys by their own id; anything else is resolved
/// through `ID_LIKE` to the first of these.
const KNOWN_FAMILIES: &[&str] = &[
    "debian",
    "ubuntu",
    "alpine",
    "rhel",
    "centos",
    "rocky",
    "almalinux",
    "ol",
    "fedora",
    "amzn",
    "sles",
    "opensuse-leap",
    "opensuse-tumbleweed",
    "photon",
    "wolfi",
    "chainguard",
    "mariner",
    "azurelinux",
];

/// Parses os-release content into key/value pairs. Lines that are not assignments are
/// skipped, so a partly corrupt file still yields what it can.
pub fn parse(content: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in content.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        out.insert(key.to_owned(), unquote(value.trim()));
    }
    out
}

fn unquote(v: &str) -> String {
    if v.len() >= 2 && v.starts_with('\'') && v.ends_with('\'') {
        return v[1..v.len() - 1].to_owned();
    }
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        let mut out = String::new();
        let mut chars = v[1..v.len() - 1].chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            } else {
                out.push(c);
            }
        }
        return out;
    }
    v.to_owned()
}

/// Builds a [`Distro`] from parsed os-release fields; `None` without an `ID`.
pub fn distro_from_fields(fields: &BTreeMap<String, String>, source_file: &str) -> Option<Distro> {
    let id = fields.get("ID")?.trim().to_ascii_lowercase();
    if id.is_empty() {
        return None;
    }
    let family = if KNOWN_FAMILIES.contains(&id.as_str()) {
        id.clone()
    } else {
        fields
            .get("ID_LIKE")
            .and_then(|like| {
                like.split_whitespace()
                    .map(str::to_ascii_lowercase)
                    .find(|l| KNOWN_FAMILIES.contains(&l.as_str()))
            })
            .unwrap_or_else(|| id.clone())
    };
    let version = fields.get("VERSION_ID").cloned().unwrap_or_default();
    // Older releases (Debian 7, 8) have no VERSION_CODENAME, only `VERSION="7 (wheezy)"`.
    let codename = fields
        .get("VERSION_CODENAME")
        .filter(|c| !c.is_empty())
        .cloned()
        .or_else(|| {
            let v = fields.get("VERSION")?;
            let inner = v.split_once('(')?.1.split_once(')')?.0.trim();
            let word = inner.split_whitespace().next()?.to_ascii_lowercase();
            (!word.is_empty() && word.bytes().all(|b| b.is_ascii_alphabetic())).then_some(word)
        });
    Some(Distro {
        id,
        family,
        version,
        codename,
        pretty_name: fields.get("PRETTY_NAME").cloned(),
        source_file: source_file.to_owned(),
    })
}

/// Reads `etc/os-release` (priority 100) and `usr/lib/os-release` (priority 90).
#[derive(Debug, Default)]
pub struct OsReleaseAnalyzer;

impl Analyzer for OsReleaseAnalyzer {
    fn id(&self) -> &'static str {
        "os-release"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            paths: vec!["etc/os-release", "usr/lib/os-release"],
            ..Interest::default()
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let bytes = file.read_to_end_limited(LIMIT)?;
        let text = String::from_utf8_lossy(&bytes);
        let path = file.path().to_owned();
        match distro_from_fields(&parse(&text), &path) {
            Some(d) => out.set_release(&path, if path.starts_with("etc/") { 100 } else { 90 }, d),
            None => out.diagnose(
                "malformed-release-file",
                Some(&path),
                "os-release has no ID field",
            ),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_7_without_codename_field() {
        let f = parse(
            "PRETTY_NAME=\"Debian GNU/Linux 7 (wheezy)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"7\"\nVERSION=\"7 (wheezy)\"\nID=debian\n",
        );
        let d = distro_from_fields(&f, "etc/os-release").unwrap();
        assert_eq!(
            (d.id.as_str(), d.family.as_str(), d.version.as_str()),
            ("debian", "debian", "7")
        );
        assert_eq!(d.codename.as_deref(), Some("wheezy"));
    }

    #[test]
    fn derivative_resolves_family_and_garbage_is_skipped() {
        let f = parse(
            "\0\0garbage\nID=raspbian\nID_LIKE=debian\nVERSION_ID='11'\nVERSION_CODENAME=bullseye\n=x\n",
        );
        let d = distro_from_fields(&f, "etc/os-release").unwrap();
        assert_eq!((d.id.as_str(), d.family.as_str()), ("raspbian", "debian"));
        assert!(distro_from_fields(&parse("NAME=x\n"), "etc/os-release").is_none());
    }

    #[test]
    fn real_debian_release_files() {
        let base = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/osrelease/claircore/debian"
        );
        let expected = [
            ("dist", "7", "wheezy"),
            ("dist", "8", "jessie"),
            ("dist", "9", "stretch"),
            ("dist", "10", "buster"),
            ("dist", "11", "bullseye"),
            ("dist", "12", "bookworm"),
            ("distroless_dist", "9", "stretch"),
            ("distroless_dist", "10", "buster"),
            ("distroless_dist", "11", "bullseye"),
        ];
        for (kind, version, codename) in expected {
            let path = format!("{base}/{kind}/{version}/etc/os-release");
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let d = distro_from_fields(&parse(&text), "etc/os-release").unwrap();
            assert_eq!(d.family, "debian", "{path}");
            assert_eq!(d.version, version, "{path}");
            assert_eq!(d.codename.as_deref(), Some(codename), "{path}");
        }
    }
}
