//! Maven: version ordering exactly as Maven's `ComparableVersion`, Maven version ranges, and
//! the `java-archive` analyzer (Maven packages inside `.jar`/`.war`/`.ear`/`.jpi`/`.hpi`).

pub mod analyzer;
pub mod archive;
pub mod filename;
pub mod manifest;
pub mod properties;
pub mod version;

pub use analyzer::JavaArchiveAnalyzer;
pub use archive::Limits;
pub use version::{MavenRange, MavenScheme, MavenVersion};
