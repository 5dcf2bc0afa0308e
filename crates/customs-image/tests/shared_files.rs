//! A file that several analyzers want is read by each of them in full: from memory when it
//! is small, from an unlinked spool file in the given directory when it is over the
//! in-memory limit (large executables that both the Go and the Rust analyzers read).

use std::sync::Arc;

use customs_analyzer::{AnalyzeError, Analyzer, Dispatcher, FileEntry, Interest, LayerFindings};
use customs_image::{WalkLimits, walk_layer};
use customs_model::{Digest, Purl};

/// Records the byte count and sha256 of every executable it sees, as a package version.
struct Summer(&'static str);

impl Analyzer for Summer {
    fn id(&self) -> &'static str {
        self.0
    }
    fn version(&self) -> u32 {
        1
    }
    fn interest(&self) -> Interest {
        Interest {
            executables: true,
            ..Interest::default()
        }
    }
    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let mut bytes = Vec::new();
        file.reader().read_to_end(&mut bytes).unwrap();
        let version = format!("{}-{}", bytes.len(), Digest::sha256_of(&bytes).short());
        let path = file.path().to_owned();
        out.add_packages(
            &path,
            [customs_model::Package::new(
                "test",
                self.0,
                &version,
                Purl::new("generic", None, self.0, Some(&version), &[]),
                &path,
                customs_model::PackageOrigin::Installed,
            )],
        );
        Ok(())
    }
}

fn layer(size: usize) -> (Vec<u8>, String) {
    let content: Vec<u8> = (0..size).map(|i| u8::try_from(i % 251).unwrap()).collect();
    let want = format!("{}-{}", content.len(), Digest::sha256_of(&content).short());
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(content.len() as u64);
    h.set_mode(0o755);
    h.set_cksum();
    b.append_data(&mut h, "usr/local/bin/tool", &content[..])
        .unwrap();
    (b.into_inner().unwrap(), want)
}

fn versions(findings: &LayerFindings) -> Vec<String> {
    findings.files["usr/local/bin/tool"]
        .packages
        .iter()
        .map(|p| p.version.clone())
        .collect()
}

#[test]
fn both_analyzers_read_the_whole_file_from_memory_or_spool() {
    let dispatcher = Dispatcher::new(vec![
        Arc::new(Summer("first")) as Arc<dyn Analyzer>,
        Arc::new(Summer("second")),
    ])
    .unwrap();
    let spool = tempfile::tempdir().unwrap();
    let limits = WalkLimits {
        max_shared_file: 1 << 20,
        spool_dir: Some(spool.path().join("spool")),
        ..WalkLimits::default()
    };
    for size in [1000, 3 << 20] {
        let (tar, want) = layer(size);
        let found = walk_layer(&tar[..], "test", None, None, None, &dispatcher, &limits).unwrap();
        assert_eq!(versions(&found), [want.clone(), want], "size {size}");
        assert!(found.diagnostics.is_empty(), "{:?}", found.diagnostics);
    }
    // The spool file was unlinked: nothing is left in the spool directory.
    let left: Vec<_> = std::fs::read_dir(spool.path().join("spool"))
        .unwrap()
        .collect();
    assert!(left.is_empty());
    // Over the spool limit: a diagnostic, not a crash or an unbounded copy.
    let small = WalkLimits {
        max_shared_file: 1 << 10,
        max_spooled_file: 1 << 20,
        spool_dir: Some(spool.path().join("spool")),
        ..WalkLimits::default()
    };
    let (tar, _) = layer(2 << 20);
    let found = walk_layer(&tar[..], "test", None, None, None, &dispatcher, &small).unwrap();
    assert_eq!(found.diagnostics[0].code, "file-too-large");
}
