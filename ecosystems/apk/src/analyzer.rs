use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};

use crate::installed::parse_installed;

/// The installed database holds every file path of every package: a few MiB on large
/// images; 128 MiB leaves room.
pub const INSTALLED_LIMIT: u64 = 128 * 1024 * 1024;

/// The path of the installed database.
pub const INSTALLED_PATH: &str = "lib/apk/db/installed";

/// Reads `lib/apk/db/installed` (`apk-installed`).
#[derive(Debug, Default, Clone, Copy)]
pub struct ApkInstalledAnalyzer;

impl ApkInstalledAnalyzer {
    pub fn new() -> Self {
        ApkInstalledAnalyzer
    }
}

impl Analyzer for ApkInstalledAnalyzer {
    fn id(&self) -> &'static str {
        "apk-installed"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            paths: vec![INSTALLED_PATH],
            ..Interest::default()
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let path = file.path().to_owned();
        let bytes = file.read_to_end_limited(INSTALLED_LIMIT)?;
        let text = String::from_utf8_lossy(&bytes);
        let (entries, problems) = parse_installed(&text);
        for p in problems {
            out.diagnose(
                "malformed-package-db",
                Some(&path),
                format!("line {}: {}", p.line, p.message),
            );
        }
        if entries.is_empty() {
            // Still shadow lower layers' copies of the database.
            out.touch(&path);
        }
        out.add_packages(&path, entries.iter().map(|e| e.to_package(&path)));
        Ok(())
    }
}
