//! `dir:PATH`: a root filesystem on disk (an extracted tree or a mounted disk image).
//!
//! The tree is walked without following symbolic links: links at watched paths are recorded
//! (and resolved later inside the tree, like the layer walker's), and files are opened with
//! `O_NOFOLLOW`, so a link swapped in during the walk cannot make customs read outside the
//! tree. Other filesystems mounted below the root are not entered.

use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

use customs_analyzer::{Dispatcher, FileEntry, FileFacts, LayerFindings};

use crate::ImageError;
use crate::walk::WalkLimits;

/// Directory depth beyond which the walk stops (a diagnostic is recorded).
const MAX_DEPTH: usize = 128;

/// Walks the tree at `root` once, handing each watched file to the analyzers. (`_limits` is
/// kept for symmetry with the layer walker: files on disk are re-read by each analyzer, so
/// nothing needs buffering.)
pub fn walk_dir(
    root: &Path,
    dispatcher: &Dispatcher,
    _limits: &WalkLimits,
) -> Result<LayerFindings, ImageError> {
    let meta =
        std::fs::symlink_metadata(root).map_err(|_| ImageError::NotFound(root.to_owned()))?;
    if !meta.is_dir() {
        return Err(ImageError::NotAnImage {
            path: root.to_owned(),
            reason: "dir: needs a directory".into(),
        });
    }
    let device = meta.dev();
    let mut findings = LayerFindings::default();
    let mut interested = Vec::new();
    let mut stack = vec![(root.to_owned(), String::new(), 0usize)];
    while let Some((dir, rel_dir, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            findings.diagnose(
                "tree-too-deep",
                Some(&rel_dir),
                format!("not descending deeper than {MAX_DEPTH} levels"),
            );
            continue;
        }
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                findings.diagnose("unreadable-directory", Some(&rel_dir), e.to_string());
                continue;
            }
        };
        let mut names: Vec<_> = entries.flatten().collect();
        names.sort_by_key(std::fs::DirEntry::file_name);
        for entry in names {
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if rel_dir.is_empty() {
                name
            } else {
                format!("{rel_dir}/{name}")
            };
            let Ok(meta) = std::fs::symlink_metadata(entry.path()) else {
                continue;
            };
            let ft = meta.file_type();
            if ft.is_symlink() {
                if dispatcher.wants_path(&rel) {
                    let target = std::fs::read_link(entry.path())
                        .map(|t| t.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    findings.files.insert(
                        rel,
                        FileFacts {
                            link: Some(target),
                            ..FileFacts::default()
                        },
                    );
                }
            } else if ft.is_dir() {
                if meta.dev() == device {
                    stack.push((entry.path(), rel, depth + 1));
                }
            } else if ft.is_file() {
                dispatcher.interested(&rel, meta.mode() & 0o111 != 0, &mut interested);
                if interested.is_empty() {
                    continue;
                }
                findings.touch(&rel);
                let file = std::fs::File::options()
                    .read(true)
                    .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
                    .open(entry.path());
                let mut file = match file {
                    Ok(f) => f,
                    Err(e) => {
                        findings.diagnose("unreadable-file", Some(&rel), e.to_string());
                        continue;
                    }
                };
                for (n, &i) in interested.iter().enumerate() {
                    let analyzer = dispatcher.analyzer(i);
                    // On disk the file can simply be read again by each analyzer.
                    if n > 0
                        && let Err(e) = std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(0))
                    {
                        findings.diagnose("unreadable-file", Some(&rel), e.to_string());
                        break;
                    }
                    let result = analyzer.analyze(
                        &mut FileEntry::new(&rel, meta.len(), meta.mode(), &mut file),
                        &mut findings,
                    );
                    if let Err(e) = result {
                        findings.diagnose(
                            "analyzer-error",
                            Some(&rel),
                            format!("{}: {e}", analyzer.id()),
                        );
                    }
                }
            }
        }
    }
    Ok(findings)
}
