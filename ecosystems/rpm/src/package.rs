//! From what the database says to customs' [`Package`].

use customs_model::{Package, PackageOrigin, Purl};

use crate::header::RpmPackage;

/// Splits a source rpm file name into name and `VERSION-RELEASE`:
/// `openssl-1.1.1k-5.el8_5.src.rpm` → (`openssl`, `1.1.1k-5.el8_5`).
/// Returns `None` for `(none)` or names without version and release.
pub fn parse_source_rpm(srpm: &str) -> Option<(&str, &str)> {
    let base = srpm
        .strip_suffix(".src.rpm")
        .or_else(|| srpm.strip_suffix(".nosrc.rpm"))
        .or_else(|| srpm.strip_suffix(".rpm"))?;
    let (rest, release) = base.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || release.is_empty() {
        return None;
    }
    Some((name, &base[name.len() + 1..]))
}

/// A purl namespace from the package's `VENDOR`, for the vendors scanners know.
pub fn vendor_namespace(vendor: &str) -> Option<&'static str> {
    let v = vendor.to_ascii_lowercase();
    let table: &[(&str, &str)] = &[
        ("red hat", "redhat"),
        ("centos", "centos"),
        ("fedora", "fedora"),
        ("opensuse", "opensuse"),
        ("suse", "suse"),
        ("amazon", "amazon"),
        ("oracle", "oracle"),
        ("rocky", "rocky"),
        ("almalinux", "almalinux"),
        ("cloudlinux", "cloudlinux"),
        ("microsoft", "microsoft"),
        ("photon", "photon"),
        ("vmware", "photon"),
        ("openeuler", "openeuler"),
    ];
    table
        .iter()
        .find(|(needle, _)| v.contains(needle))
        .map(|(_, ns)| *ns)
}

/// `pkg:rpm/NAMESPACE/NAME@VERSION-RELEASE?arch=..&epoch=..&modularitylabel=..&upstream=SRPM`.
/// The `distro` qualifier is added once the distribution is known.
pub fn rpm_purl(p: &RpmPackage) -> Purl {
    let epoch = p.epoch.map(|e| e.to_string()).unwrap_or_default();
    let version = format!("{}-{}", p.version, p.release);
    Purl::new(
        "rpm",
        p.vendor.as_deref().and_then(vendor_namespace),
        &p.name,
        Some(&version),
        &[
            ("arch", p.arch.as_deref().unwrap_or("")),
            ("epoch", &epoch),
            (
                "modularitylabel",
                p.modularity_label.as_deref().unwrap_or(""),
            ),
            ("upstream", p.source_rpm.as_deref().unwrap_or("")),
        ],
    )
}

impl RpmPackage {
    /// Converts into a [`Package`] found in `path`. The source version carries the binary
    /// package's epoch (a source rpm's file name has none, and feeds compare full EVRs).
    pub fn to_package(&self, path: &str) -> Package {
        let version = self.evr();
        let source = self.source_rpm.as_deref().and_then(parse_source_rpm);
        let source_version = source.map(|(_, vr)| match self.epoch {
            Some(e) => format!("{e}:{vr}"),
            None => vr.to_owned(),
        });
        let mut files: Vec<String> = self
            .files
            .iter()
            .map(|f| f.trim_start_matches('/').to_owned())
            .filter(|f| !f.is_empty())
            .collect();
        files.sort_unstable();
        files.dedup();
        Package {
            id: Package::compute_id("rpm", &self.name, &version, self.arch.as_deref(), path),
            ecosystem: "rpm".into(),
            name: self.name.clone(),
            version,
            arch: self.arch.clone(),
            source_name: source.map(|(n, _)| n.to_owned()),
            source_version,
            purl: rpm_purl(self),
            layer_diff_id: None,
            found_in: path.to_owned(),
            origin: PackageOrigin::Installed,
            licenses: self.license.iter().cloned().collect(),
            files,
            scope: None,
            provides: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_rpm_names() {
        assert_eq!(
            parse_source_rpm("openssl-1.1.1k-5.el8_5.src.rpm"),
            Some(("openssl", "1.1.1k-5.el8_5"))
        );
        assert_eq!(
            parse_source_rpm("util-linux-2.32.1-42.el8_8.src.rpm"),
            Some(("util-linux", "2.32.1-42.el8_8"))
        );
        assert_eq!(
            parse_source_rpm("kernel-5.14.0-1.nosrc.rpm"),
            Some(("kernel", "5.14.0-1"))
        );
        assert_eq!(parse_source_rpm("(none)"), None);
        assert_eq!(parse_source_rpm("foo.src.rpm"), None);
        assert_eq!(parse_source_rpm("-1-2.src.rpm"), None);
    }

    #[test]
    fn purl_and_version() {
        let p = RpmPackage {
            name: "vim-minimal".into(),
            epoch: Some(2),
            version: "8.2.2637".into(),
            release: "20.el9_1".into(),
            arch: Some("x86_64".into()),
            source_rpm: Some("vim-8.2.2637-20.el9_1.src.rpm".into()),
            modularity_label: None,
            vendor: Some("Red Hat, Inc.".into()),
            license: Some("Vim and MIT".into()),
            files: vec!["/usr/bin/vi".into(), "/".into()],
            files_error: None,
        };
        let pkg = p.to_package("var/lib/rpm/rpmdb.sqlite");
        assert_eq!(pkg.version, "2:8.2.2637-20.el9_1");
        assert_eq!(pkg.source_name.as_deref(), Some("vim"));
        assert_eq!(pkg.source_version.as_deref(), Some("2:8.2.2637-20.el9_1"));
        assert_eq!(
            pkg.purl.as_str(),
            "pkg:rpm/redhat/vim-minimal@8.2.2637-20.el9_1?arch=x86_64&epoch=2&upstream=vim-8.2.2637-20.el9_1.src.rpm"
        );
        assert_eq!(pkg.files, vec!["usr/bin/vi".to_owned()]);
        assert_eq!(pkg.licenses, vec!["Vim and MIT".to_owned()]);
    }
}
