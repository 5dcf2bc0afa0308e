use serde::{Deserialize, Serialize};

/// The operating system an image is built on, as detected from its release files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Distro {
    /// The os-release `ID`, lower-case: `debian`, `ubuntu`, `alpine`, `rhel`, ...
    pub id: String,
    /// The family whose feeds and version scheme apply (os-release `ID_LIKE` resolved):
    /// `debian` for Debian and Ubuntu derivatives, `rhel`, `alpine`, `suse`, ...
    pub family: String,
    /// The release version: `12`, `22.04`, `3.19`. Empty for rolling releases such as sid.
    pub version: String,
    /// The release code name where the distro has one: `bookworm`, `jammy`.
    pub codename: Option<String>,
    /// The human-readable name (`PRETTY_NAME`).
    pub pretty_name: Option<String>,
    /// The file the detection used, e.g. `etc/os-release`.
    pub source_file: String,
}
