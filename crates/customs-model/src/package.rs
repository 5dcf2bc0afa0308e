use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::{Digest, Purl};

/// Where a package record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum PackageOrigin {
    /// A package manager's database of installed packages (dpkg status, rpmdb, site-packages).
    Installed,
    /// A lockfile that pins versions (what the build intended to install).
    Lockfile,
}

/// Whether a lockfile marks a dependency as needed at run time or only for development.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum DependencyScope {
    /// Needed at run time (the default when a lockfile does not say).
    Prod,
    /// Only for development or tests (`dev: true` in package-lock, poetry's `dev` group...).
    Dev,
}

/// One installed package, OS or application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Stable identifier within a report: a hash of ecosystem, name, version, architecture and
    /// the file the package was found in. See [`Package::compute_id`].
    pub id: String,
    /// The ecosystem, which is also the purl type: `deb`, `rpm`, `apk`, `pypi`, `npm`, ...
    pub ecosystem: String,
    pub name: String,
    /// The version exactly as the package manager prints it.
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub arch: Option<String>,
    /// The source package this binary package was built from; vulnerability feeds for
    /// distributions are keyed by source package.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source_version: Option<String>,
    pub purl: Purl,
    /// The `diff_id` of the layer that introduced this package (absent for sources without
    /// layers, such as a root filesystem).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub layer_diff_id: Option<Digest>,
    /// The path, inside the image, of the file this record was read from.
    pub found_in: String,
    pub origin: PackageOrigin,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub licenses: Vec<String>,
    /// The files this package owns, as its package manager records them (paths relative to
    /// the root, no leading slash). Language analyzers use this to skip files that belong to
    /// an OS package.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub files: Vec<String>,
    /// For lockfile entries that say so: run-time or development dependency.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub scope: Option<DependencyScope>,
    /// For OS packages: the purls of application packages whose metadata file this package
    /// owns (Debian's `python3-requests` owns `requests-2.28.1.egg-info`). Such application
    /// packages are reported once, as this OS package, and the link is noted here.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub provides: Vec<String>,
}

impl Package {
    /// A package with the identifying fields set, its id computed, and everything else empty:
    /// the usual start for an analyzer, which then sets what its format knows.
    pub fn new(
        ecosystem: &str,
        name: &str,
        version: &str,
        purl: Purl,
        found_in: &str,
        origin: PackageOrigin,
    ) -> Self {
        Package {
            id: Self::compute_id(ecosystem, name, version, None, found_in),
            ecosystem: ecosystem.to_owned(),
            name: name.to_owned(),
            version: version.to_owned(),
            arch: None,
            source_name: None,
            source_version: None,
            purl,
            layer_diff_id: None,
            found_in: found_in.to_owned(),
            origin,
            licenses: Vec::new(),
            files: Vec::new(),
            scope: None,
            provides: Vec::new(),
        }
    }

    /// A short, stable id: the first 16 hex digits of the sha256 of the identifying fields.
    pub fn compute_id(
        ecosystem: &str,
        name: &str,
        version: &str,
        arch: Option<&str>,
        found_in: &str,
    ) -> String {
        let mut h = sha2::Sha256::new();
        for part in [ecosystem, name, version, arch.unwrap_or(""), found_in] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        hex::encode(&h.finalize()[..8])
    }

    /// The name feeds know this package by: the source package when there is one.
    pub fn source_or_name(&self) -> &str {
        self.source_name.as_deref().unwrap_or(&self.name)
    }

    /// The version of the source package, falling back to the binary version.
    pub fn source_version_or_version(&self) -> &str {
        self.source_version.as_deref().unwrap_or(&self.version)
    }
}
