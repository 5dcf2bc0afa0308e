//! The apk installed database, `lib/apk/db/installed`.
//!
//! One paragraph per package, paragraphs separated by blank lines, each line a one-letter
//! field, a colon and the value (apk-tools `src/database.c`, `apk_db_index_read`):
//!
//! | field | meaning                         | kept as                              |
//! |-------|---------------------------------|--------------------------------------|
//! | `P:`  | package name                    | `name`                               |
//! | `V:`  | version (`1.2.3-r4`)            | `version`, exactly as written        |
//! | `A:`  | architecture                    | `arch`                               |
//! | `o:`  | origin (the aport it comes from)| `source_name`                        |
//! | `L:`  | license                         | one entry of `licenses`, as written  |
//! | `F:`  | a directory (relative to `/`)   | the directory of following `R:` lines|
//! | `R:`  | a file in the last `F:`         | `files` entry `dir/file`             |
//!
//! Every other field (checksums, sizes, dependencies, file attributes) is skipped. The
//! license is kept as written rather than split: modern Alpine writes SPDX expressions
//! (`MIT AND BSD-2-Clause`), older releases space-separated lists (`MIT BSD GPL2+`), and the
//! two cannot be told apart reliably.
//!
//! A paragraph without `P:` or `V:` (or with a name apk would refuse) is reported as a
//! [`InstalledProblem`] and skipped; the other paragraphs are kept.

use customs_model::{Package, PackageOrigin, Purl};

/// One package paragraph of the installed database.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InstalledEntry {
    pub name: String,
    pub version: String,
    pub arch: Option<String>,
    /// `o:`, the origin (source) package.
    pub origin: Option<String>,
    /// `L:`, as written.
    pub license: Option<String>,
    /// Files (`F:` directory joined with each `R:` name), without a leading slash.
    pub files: Vec<String>,
}

impl InstalledEntry {
    /// Converts into a [`Package`] found in `path`.
    ///
    /// The purl is `pkg:apk/alpine/NAME@VERSION?arch=ARCH&upstream=ORIGIN`; as for deb
    /// purls (and syft), `upstream` is left out when the origin is the package itself. The
    /// `distro` qualifier is added once the distro is known.
    pub fn to_package(&self, path: &str) -> Package {
        Package {
            id: Package::compute_id("apk", &self.name, &self.version, self.arch.as_deref(), path),
            ecosystem: "apk".into(),
            name: self.name.clone(),
            version: self.version.clone(),
            arch: self.arch.clone(),
            source_name: self.origin.clone(),
            source_version: self.origin.as_ref().map(|_| self.version.clone()),
            purl: purl(
                &self.name,
                &self.version,
                self.arch.as_deref(),
                self.origin.as_deref(),
                None,
            ),
            layer_diff_id: None,
            found_in: path.to_owned(),
            origin: PackageOrigin::Installed,
            licenses: self.license.iter().cloned().collect(),
            files: self.files.clone(),
            scope: None,
            provides: Vec::new(),
        }
    }
}

/// `pkg:apk/<namespace>/<name>@<version>?arch=..&distro=..&upstream=<origin>`; the
/// namespace defaults to `alpine`.
pub fn purl(
    name: &str,
    version: &str,
    arch: Option<&str>,
    origin: Option<&str>,
    distro: Option<&str>,
) -> Purl {
    let upstream = origin.filter(|o| *o != name).unwrap_or("");
    Purl::new(
        "apk",
        Some("alpine"),
        name,
        Some(version),
        &[
            ("arch", arch.unwrap_or("")),
            ("distro", distro.unwrap_or("")),
            ("upstream", upstream),
        ],
    )
}

/// A paragraph that could not be read as a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledProblem {
    /// 1-based line where the paragraph starts.
    pub line: usize,
    pub message: String,
}

/// Parses a whole installed database. Bad paragraphs are reported, not fatal.
pub fn parse_installed(content: &str) -> (Vec<InstalledEntry>, Vec<InstalledProblem>) {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    let mut para = Paragraph::default();
    for (i, raw) in content.split('\n').enumerate() {
        let line_no = i + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            para.finish(&mut entries, &mut problems);
            continue;
        }
        if para.start == 0 {
            para.start = line_no;
        }
        para.line(line);
    }
    para.finish(&mut entries, &mut problems);
    (entries, problems)
}

#[derive(Default)]
struct Paragraph {
    start: usize,
    entry: InstalledEntry,
    has_name: bool,
    has_version: bool,
    dir: String,
    /// Lines that are not `X:value`.
    garbage: usize,
    first_garbage: Option<String>,
}

impl Paragraph {
    fn line(&mut self, line: &str) {
        let bytes = line.as_bytes();
        if bytes.len() < 2 || bytes[1] != b':' || !bytes[0].is_ascii_alphabetic() {
            self.garbage += 1;
            if self.first_garbage.is_none() {
                self.first_garbage = Some(line.chars().take(60).collect());
            }
            return;
        }
        let value = &line[2..];
        match bytes[0] {
            b'P' => {
                value.trim().clone_into(&mut self.entry.name);
                self.has_name = true;
            }
            b'V' => {
                value.trim().clone_into(&mut self.entry.version);
                self.has_version = true;
            }
            b'A' => self.entry.arch = non_empty(value),
            b'o' => self.entry.origin = non_empty(value),
            b'L' => self.entry.license = non_empty(value),
            b'F' => value.trim().trim_matches('/').clone_into(&mut self.dir),
            b'R' => {
                let file = value.trim().trim_start_matches('/');
                if !file.is_empty() {
                    self.entry.files.push(if self.dir.is_empty() {
                        file.to_owned()
                    } else {
                        format!("{}/{file}", self.dir)
                    });
                }
            }
            _ => {}
        }
    }

    fn finish(&mut self, entries: &mut Vec<InstalledEntry>, problems: &mut Vec<InstalledProblem>) {
        let para = std::mem::take(self);
        if para.start == 0 {
            return;
        }
        let problem = |message: String| InstalledProblem {
            line: para.start,
            message,
        };
        if !para.has_name {
            problems.push(problem(match &para.first_garbage {
                Some(g) => format!("not an apk package paragraph: {g:?}"),
                None => "package paragraph has no P: (name) field".to_owned(),
            }));
            return;
        }
        let name = &para.entry.name;
        if name.is_empty() || !name.bytes().all(valid_name_byte) {
            problems.push(problem(format!(
                "invalid package name {:?}",
                name.chars().take(100).collect::<String>()
            )));
            return;
        }
        if !para.has_version || para.entry.version.is_empty() {
            problems.push(problem(format!("package {name} has no V: (version) field")));
            return;
        }
        if para.garbage > 0 {
            problems.push(problem(format!(
                "package {name}: {} line(s) are not `X:value` fields (kept the package)",
                para.garbage
            )));
        }
        entries.push(para.entry);
    }
}

/// apk refuses names with whitespace, control characters or path separators.
fn valid_name_byte(b: u8) -> bool {
    b.is_ascii_graphic() && b != b'/'
}

fn non_empty(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_origin_and_purl() {
        let text = "C:Q1x=\nP:musl-utils\nV:1.1.24-r2\nA:x86_64\nL:MIT BSD GPL2+\no:musl\n\
                    F:sbin\nR:ldconfig\na:0:0:755\nZ:Q1K=\nF:usr/bin\nR:iconv\nF:etc\n\n\
                    P:musl\nV:1.1.24-r2\nA:x86_64\no:musl\n";
        let (e, p) = parse_installed(text);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].files, ["sbin/ldconfig", "usr/bin/iconv"]);
        let pkg = e[0].to_package("lib/apk/db/installed");
        assert_eq!(
            pkg.purl.as_str(),
            "pkg:apk/alpine/musl-utils@1.1.24-r2?arch=x86_64&upstream=musl"
        );
        assert_eq!(pkg.licenses, ["MIT BSD GPL2+"]);
        assert_eq!(pkg.source_or_name(), "musl");
        assert_eq!(
            e[1].to_package("x").purl.as_str(),
            "pkg:apk/alpine/musl@1.1.24-r2?arch=x86_64"
        );
    }

    #[test]
    fn corrupt_paragraphs_are_reported_and_the_rest_kept() {
        let text = "this is a corrupt db\n\nP:a\nV:1-r0\n\nP:b\n\nV:2\n\nP:bad name\nV:1\n\nP:c\nV:3-r0\ngarbage\n";
        let (e, p) = parse_installed(text);
        let names: Vec<_> = e.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["a", "c"]);
        let lines: Vec<_> = p.iter().map(|p| p.line).collect();
        assert_eq!(lines, [1, 6, 8, 10, 13], "{p:?}");
    }
}
