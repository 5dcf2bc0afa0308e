//! The analyzers: rpm databases, the Mariner distroless manifest, Red Hat content manifests.

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};

use crate::db::{RpmDb, read_rpmdb};
use crate::manifest::{parse_container_manifest, parse_content_manifest};

/// rpm databases need random access, so they are read whole; real ones are tens of MiB.
pub const RPMDB_LIMIT: u64 = 512 * 1024 * 1024;
/// Manifests are text of a few KiB.
const MANIFEST_LIMIT: u64 = 16 * 1024 * 1024;

/// Where rpm keeps its database, in every layout distributions use.
pub const RPMDB_PATHS: &[&str] = &[
    "var/lib/rpm/Packages",
    "var/lib/rpm/rpmdb.sqlite",
    "var/lib/rpm/Packages.db",
    "usr/lib/sysimage/rpm/Packages",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
    "usr/lib/sysimage/rpm/Packages.db",
    "usr/share/rpm/Packages",
    "usr/share/rpm/rpmdb.sqlite",
    "usr/share/rpm/Packages.db",
];

/// Reads rpm package databases: Berkeley DB `Packages`, `rpmdb.sqlite`, ndb `Packages.db`
/// (recognised by content, whatever the file is called).
///
/// Every package `rpm -qa` lists is reported, `gpg-pubkey` entries (imported signing keys)
/// included, as rpm lists them.
#[derive(Debug, Default)]
pub struct RpmDbAnalyzer;

fn report(db: &RpmDb, path: &str, out: &mut LayerFindings) {
    for p in &db.problems {
        out.diagnose("malformed-package-db", Some(path), p.to_string());
    }
    if db.problems_dropped > 0 {
        out.diagnose(
            "malformed-package-db",
            Some(path),
            format!("{} more problems not listed", db.problems_dropped),
        );
    }
}

impl Analyzer for RpmDbAnalyzer {
    fn id(&self) -> &'static str {
        "rpmdb"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            paths: RPMDB_PATHS.to_vec(),
            globs: Vec::new(),
            executables: false,
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let path = file.path().to_owned();
        let bytes = file.read_to_end_limited(RPMDB_LIMIT)?;
        out.touch(&path);
        match read_rpmdb(&bytes) {
            Ok(db) => {
                report(&db, &path, out);
                out.add_packages(&path, db.packages.iter().map(|p| p.to_package(&path)));
            }
            Err(e) => out.diagnose("malformed-package-db", Some(&path), e.to_string()),
        }
        Ok(())
    }
}

/// Reads CBL-Mariner / Azure Linux distroless `var/lib/rpmmanifest/container-manifest-2`.
#[derive(Debug, Default)]
pub struct RpmManifestAnalyzer;

impl Analyzer for RpmManifestAnalyzer {
    fn id(&self) -> &'static str {
        "rpm-container-manifest"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            paths: vec!["var/lib/rpmmanifest/container-manifest-2"],
            globs: Vec::new(),
            executables: false,
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let path = file.path().to_owned();
        let bytes = file.read_to_end_limited(MANIFEST_LIMIT)?;
        let (packages, problems) = parse_container_manifest(&bytes);
        for p in problems {
            out.diagnose(
                "malformed-package-db",
                Some(&path),
                format!("line {}: {}", p.line, p.message),
            );
        }
        out.add_packages(&path, packages.iter().map(|p| p.to_package(&path)));
        Ok(())
    }
}

/// Reads Red Hat `root/buildinfo/content_manifests/*.json` and records the image's content
/// sets (repositories), which the report lists as the image's `repositories`.
#[derive(Debug, Default)]
pub struct ContentManifestAnalyzer;

impl Analyzer for ContentManifestAnalyzer {
    fn id(&self) -> &'static str {
        "redhat-content-manifest"
    }

    fn version(&self) -> u32 {
        2 // 2: content sets recorded as repositories, not diagnostics
    }

    fn interest(&self) -> Interest {
        Interest {
            paths: Vec::new(),
            globs: vec!["root/buildinfo/content_manifests/*.json"],
            executables: false,
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let path = file.path().to_owned();
        let bytes = file.read_to_end_limited(MANIFEST_LIMIT)?;
        let sets = parse_content_manifest(&bytes);
        out.touch(&path);
        out.add_repositories(&path, sets);
        Ok(())
    }
}
