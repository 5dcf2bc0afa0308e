//! The analyzers: `go-binary` (build info in executables) and `go-mod` (`go.mod` files).

use std::io::Read;

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};
use customs_model::{Package, PackageOrigin, Purl};

use crate::buildinfo::{self, ModInfo, Scan};
use crate::gomod::{GO_MOD_LIMIT, GoMod};

/// The version reported for a main module built from a checkout without a version
/// (`go build` in a working tree before Go 1.24, or without VCS information).
pub const DEVEL: &str = "(devel)";

/// `pkg:golang/NAMESPACE/NAME@VERSION`: the namespace is the module path up to its last `/`,
/// the name the last segment (`github.com/x/y/v2` -> namespace `github.com/x/y`, name `v2`).
/// Paths keep their case (Go module paths are case-sensitive).
pub fn golang_purl(path: &str, version: Option<&str>) -> Purl {
    let (ns, name) = match path.rsplit_once('/') {
        Some((ns, name)) => (Some(ns), name),
        None => (None, path),
    };
    Purl::new("golang", ns, name, version, &[])
}

fn package(path: &str, version: &str, found_in: &str, origin: PackageOrigin) -> Package {
    let purl_version = (version != DEVEL).then_some(version);
    Package::new(
        "golang",
        path,
        version,
        golang_purl(path, purl_version),
        found_in,
        origin,
    )
}

/// The packages of one binary's build info:
///
/// - the main module (`mod` line) at its version; a main module without one is reported as
///   `(devel)`, with a purl that has no version (so no version range ever matches it, while
///   the inventory still names the program);
/// - every `dep`, as its replacement when it has one (`=>` line); a dependency replaced by a
///   local directory (a replacement without version) is left out — the code is not that
///   module's (Go writes such replacements as `=> ./dir (devel)`);
/// - the standard library as `stdlib` at the toolchain version without `go`
///   (`pkg:golang/stdlib@1.21.5`, as the Go vulnerability database names it). Development
///   toolchains (`devel …`) give no stdlib package.
///
/// Origin `Installed`; no scope (everything listed is linked in). Problems are returned for
/// diagnostics.
pub fn binary_packages(
    raw: &buildinfo::RawBuildInfo,
    found_in: &str,
) -> (Vec<Package>, Vec<String>) {
    let info = ModInfo::parse(&raw.modinfo);
    let mut problems = info.problems.clone();
    let mut out = Vec::new();
    let installed = PackageOrigin::Installed;
    if let Some(main) = &info.main {
        let version = if main.version.is_empty() {
            DEVEL
        } else {
            &main.version
        };
        out.push(package(&main.path, version, found_in, installed));
    }
    for dep in &info.deps {
        let m = match dep.replace.as_deref() {
            Some(r) if is_local_replacement(r) => continue,
            Some(r) => r,
            None => dep,
        };
        if m.version.is_empty() {
            problems.push(format!("dependency {} has no version", dep.path));
            continue;
        }
        out.push(package(&m.path, &m.version, found_in, installed));
    }
    if let Some(v) = buildinfo::stdlib_version(&raw.go_version) {
        out.push(package("stdlib", &v, found_in, installed));
    }
    (out, problems)
}

/// A replacement by a directory: Go writes it with version `(devel)` (or none) and a path
/// that is relative (`./x`, `../x`) or absolute.
fn is_local_replacement(m: &buildinfo::Module) -> bool {
    m.version.is_empty()
        || m.version == DEVEL
        || m.path.starts_with("./")
        || m.path.starts_with("../")
        || m.path.starts_with('/')
}

/// Whether `prefix` starts an executable format Go produces: ELF, thin Mach-O or PE.
pub fn is_object_file(prefix: &[u8]) -> bool {
    prefix.starts_with(b"\x7fELF")
        || prefix.starts_with(b"MZ")
        || matches!(
            prefix.get(..4),
            Some([0xfe, 0xed, 0xfa, 0xce | 0xcf] | [0xce | 0xcf, 0xfa, 0xed, 0xfe])
        )
}

/// Reads the build info of Go executables (`go-binary`).
///
/// Wants every executable; anything that does not start with ELF, Mach-O or PE magic is left
/// after 4 bytes. The rest is streamed once through [`buildinfo::scan`]: memory stays at a
/// read chunk plus the record, whatever the binary's size, so this analyzer alone never needs
/// the walker to buffer a file.
#[derive(Debug, Default, Clone, Copy)]
pub struct GoBinaryAnalyzer;

impl GoBinaryAnalyzer {
    pub fn new() -> Self {
        GoBinaryAnalyzer
    }
}

impl Analyzer for GoBinaryAnalyzer {
    fn id(&self) -> &'static str {
        "go-binary"
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
        let path = file.path().to_owned();
        let io = |source| AnalyzeError::Io {
            path: path.clone(),
            source,
        };
        let reader = file.reader();
        let mut prefix = Vec::with_capacity(4);
        reader.take(4).read_to_end(&mut prefix).map_err(io)?;
        if !is_object_file(&prefix) {
            return Ok(());
        }
        let mut stream = (&prefix[..]).chain(reader);
        match buildinfo::scan(&mut stream).map_err(io)? {
            Scan::NotFound => Ok(()),
            Scan::Legacy { offset } => {
                out.diagnose(
                    "go-buildinfo-unsupported",
                    Some(&path),
                    format!(
                        "Go build info at byte {offset} is in the pre-Go-1.18 pointer format, which is not read; the binary's modules are not reported"
                    ),
                );
                Ok(())
            }
            Scan::Corrupt(message) => Err(AnalyzeError::Malformed {
                path: path.clone(),
                message,
            }),
            Scan::Found(raw) => {
                let (packages, problems) = binary_packages(&raw, &path);
                for p in problems {
                    out.diagnose("malformed-go-buildinfo", Some(&path), p);
                }
                out.touch(&path);
                out.add_packages(&path, packages);
                Ok(())
            }
        }
    }
}

/// Whether a `go.mod` lies in the module cache (`…/pkg/mod/MODULE@VERSION/go.mod`): those
/// describe downloaded dependencies, not a program in the image.
fn in_module_cache(path: &str) -> bool {
    let rest = if let Some(r) = path.strip_prefix("pkg/mod/") {
        r
    } else if let Some((_, r)) = path.split_once("/pkg/mod/") {
        r
    } else {
        return false;
    };
    rest.contains('@')
}

/// Reads `**/go.mod` (`go-mod`): required modules with replacements applied, origin
/// `Lockfile`. See [`crate::gomod`] for what is and is not reported.
#[derive(Debug, Default, Clone, Copy)]
pub struct GoModAnalyzer;

impl GoModAnalyzer {
    pub fn new() -> Self {
        GoModAnalyzer
    }
}

impl Analyzer for GoModAnalyzer {
    fn id(&self) -> &'static str {
        "go-mod"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            paths: vec!["go.mod"],
            globs: vec!["**/go.mod"],
            ..Interest::default()
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let path = file.path().to_owned();
        let file_name = path.rsplit('/').next().unwrap_or(&path);
        if file_name != "go.mod" || in_module_cache(&path) {
            return Ok(());
        }
        let bytes = file.read_to_end_limited(GO_MOD_LIMIT)?;
        let text = std::str::from_utf8(&bytes).map_err(|e| AnalyzeError::Malformed {
            path: path.clone(),
            message: format!("go.mod is not UTF-8: {e}"),
        })?;
        let m = GoMod::parse(text);
        for p in &m.problems {
            out.diagnose("malformed-lockfile", Some(&path), p.clone());
        }
        out.touch(&path);
        out.add_packages(
            &path,
            m.resolved()
                .iter()
                .map(|r| package(&r.path, &r.version, &path, PackageOrigin::Lockfile)),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls() {
        assert_eq!(
            golang_purl("github.com/x/y/v2", Some("v2.0.1")).as_str(),
            "pkg:golang/github.com/x/y/v2@v2.0.1"
        );
        assert_eq!(
            golang_purl("stdlib", Some("1.21.5")).as_str(),
            "pkg:golang/stdlib@1.21.5"
        );
        assert_eq!(
            golang_purl("github.com/BurntSushi/toml", Some("v1.3.2")).as_str(),
            "pkg:golang/github.com/BurntSushi/toml@v1.3.2"
        );
        assert_eq!(
            golang_purl("example.com/app", None).as_str(),
            "pkg:golang/example.com/app"
        );
    }

    #[test]
    fn module_cache() {
        assert!(in_module_cache(
            "root/go/pkg/mod/github.com/x/y@v1.0.0/go.mod"
        ));
        assert!(in_module_cache("pkg/mod/golang.org/x/sys@v0.1.0/go.mod"));
        assert!(!in_module_cache("src/app/pkg/mod/go.mod"));
        assert!(!in_module_cache("app/go.mod"));
    }
}
