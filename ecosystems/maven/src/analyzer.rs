//! The `java-archive` analyzer: Maven packages in Java archives. See [`crate::archive`] for
//! what is read and how, and for the limits.

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};

use crate::archive::{Limits, scan_archive};
use crate::filename::is_archive_name;

/// Reads `**/*.jar`, `**/*.war`, `**/*.ear`, `**/*.jpi`, `**/*.hpi` (`java-archive`) and
/// the archives nested in them.
#[derive(Debug, Default, Clone, Copy)]
pub struct JavaArchiveAnalyzer {
    limits: Limits,
}

impl JavaArchiveAnalyzer {
    /// The analyzer with the default [`Limits`].
    pub fn new() -> Self {
        JavaArchiveAnalyzer::default()
    }

    /// The analyzer with other limits (tests use small ones).
    pub fn with_limits(limits: Limits) -> Self {
        JavaArchiveAnalyzer { limits }
    }
}

impl Analyzer for JavaArchiveAnalyzer {
    fn id(&self) -> &'static str {
        "java-archive"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            globs: vec!["**/*.jar", "**/*.war", "**/*.ear", "**/*.jpi", "**/*.hpi"],
            ..Interest::default()
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let path = file.path().to_owned();
        if !is_archive_name(&path) {
            return Ok(());
        }
        let bytes = file.read_to_end_limited(self.limits.archive_size)?;
        let outcome = scan_archive(&bytes, &path, &self.limits);
        for p in &outcome.problems {
            out.diagnose(p.code, Some(&p.path), p.message.clone());
        }
        if outcome.suppressed > 0 {
            out.diagnose(
                "archive-limit",
                Some(&path),
                format!(
                    "{} more problems in this archive not listed",
                    outcome.suppressed
                ),
            );
        }
        if outcome.packages.is_empty() {
            out.touch(&path);
        }
        out.add_packages(&path, outcome.packages);
        Ok(())
    }
}
