use std::collections::BTreeMap;

use customs_model::{Distro, Package};
use serde::{Deserialize, Serialize};

/// A release file (os-release, `debian_version`, ...) read into a candidate distro.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseFile {
    /// Higher wins when several release files survive: os-release beats legacy files.
    pub priority: u8,
    pub distro: Distro,
}

/// What the analyzers recorded about one path of one layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FileFacts {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<Package>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<ReleaseFile>,
    /// File lists recorded by this file for packages described elsewhere (dpkg's
    /// `info/NAME.list`), keyed `ECOSYSTEM:NAME`; joined to the packages after squashing.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub owned_files: BTreeMap<String, Vec<String>>,
    /// Package repositories (content sets, CPEs) the image declares it was built from, e.g.
    /// Red Hat's `root/buildinfo/content_manifests/*.json`; feeds scoped by repository use them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repositories: Vec<String>,
    /// The entry is a symbolic link (or hard link) to this target rather than a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// A problem found while reading a layer that did not stop the scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
pub struct Diagnostic {
    /// A stable kebab-case code, e.g. `malformed-package-db`.
    pub code: String,
    /// The path inside the image, when the problem concerns a file.
    pub path: Option<String>,
    pub message: String,
}

/// Everything learnt from one layer. Plain data: cached per layer digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LayerFindings {
    /// Facts by path (relative to the root). A path present here with empty facts still
    /// hides the same path in lower layers.
    pub files: BTreeMap<String, FileFacts>,
    /// Paths this layer deletes (`.wh.NAME`), with everything below them.
    pub whiteouts: Vec<String>,
    /// Directories this layer makes opaque (`.wh..wh..opq`): lower layers' content below
    /// them is hidden.
    pub opaque_dirs: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

impl LayerFindings {
    /// Records packages found in `path`.
    pub fn add_packages(&mut self, path: &str, packages: impl IntoIterator<Item = Package>) {
        self.files
            .entry(path.to_owned())
            .or_default()
            .packages
            .extend(packages);
    }

    /// Records a release file read from `path`.
    pub fn set_release(&mut self, path: &str, priority: u8, distro: Distro) {
        self.files.entry(path.to_owned()).or_default().release =
            Some(ReleaseFile { priority, distro });
    }

    /// Records that the package `ecosystem:name` owns `files` (read from `path`).
    pub fn add_owned_files(&mut self, path: &str, ecosystem: &str, name: &str, files: Vec<String>) {
        self.files
            .entry(path.to_owned())
            .or_default()
            .owned_files
            .insert(format!("{ecosystem}:{name}"), files);
    }

    /// Records package repositories declared by `path`.
    pub fn add_repositories(&mut self, path: &str, repositories: impl IntoIterator<Item = String>) {
        self.files
            .entry(path.to_owned())
            .or_default()
            .repositories
            .extend(repositories);
    }

    /// Marks `path` as seen (it shadows lower layers even if nothing was found in it).
    pub fn touch(&mut self, path: &str) {
        self.files.entry(path.to_owned()).or_default();
    }

    pub fn diagnose(&mut self, code: &str, path: Option<&str>, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic {
            code: code.to_owned(),
            path: path.map(str::to_owned),
            message: message.into(),
        });
    }
}
