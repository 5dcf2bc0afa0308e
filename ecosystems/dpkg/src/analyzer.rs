use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};

use crate::status::parse_status;

/// Status databases are a few MiB on real systems; 128 MiB leaves room for huge images.
const STATUS_LIMIT: u64 = 128 * 1024 * 1024;

/// Reads `var/lib/dpkg/status` and distroless `var/lib/dpkg/status.d/*`.
#[derive(Debug, Default)]
pub struct DpkgStatusAnalyzer;

impl Analyzer for DpkgStatusAnalyzer {
    fn id(&self) -> &'static str {
        "dpkg-status"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            paths: vec!["var/lib/dpkg/status"],
            globs: vec!["var/lib/dpkg/status.d/*"],
            executables: false,
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let path = file.path().to_owned();
        if path.ends_with(".md5sums") {
            return Ok(());
        }
        let bytes = file.read_to_end_limited(STATUS_LIMIT)?;
        let text = String::from_utf8_lossy(&bytes);
        let (entries, problems) = parse_status(&text);
        if entries.is_empty() && problems.is_empty() && path == "var/lib/dpkg/status" {
            out.diagnose(
                "empty-package-db",
                Some(&path),
                "the dpkg status database is empty",
            );
        }
        for p in problems {
            out.diagnose(
                "malformed-package-db",
                Some(&path),
                format!("line {}: {}", p.line, p.message),
            );
        }
        for e in entries.iter().filter(|e| e.is_installed()) {
            if let Err(err) = crate::DebVersion::parse(&e.version) {
                out.diagnose(
                    "invalid-version",
                    Some(&path),
                    format!(
                        "package {}: {err}; it is matched as indeterminate",
                        e.package
                    ),
                );
            }
        }
        out.add_packages(
            &path,
            entries
                .iter()
                .filter(|e| e.is_installed())
                .map(|e| e.to_package(&path)),
        );
        Ok(())
    }
}
