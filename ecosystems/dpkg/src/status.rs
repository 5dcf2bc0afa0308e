//! The dpkg status database: `var/lib/dpkg/status` (one paragraph per package) and the
//! distroless `var/lib/dpkg/status.d/NAME` files (one paragraph each).
//!
//! The format is deb822: `Field: value` lines, continuation lines start with a space or tab,
//! paragraphs are separated by blank lines. Only the fields customs needs are kept.

use customs_model::{Package, PackageOrigin, Purl};

/// One package paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    pub package: String,
    pub version: String,
    pub architecture: Option<String>,
    /// From `Source: NAME` or `Source: NAME (VERSION)`.
    pub source: Option<String>,
    pub source_version: Option<String>,
    /// The third word of `Status:` (`installed`, `config-files`, ...); absent in status.d.
    pub state: Option<String>,
}

impl StatusEntry {
    /// Whether the package's files are on disk. `config-files` and `not-installed` are
    /// packages that were removed; they are not reported.
    pub fn is_installed(&self) -> bool {
        match self.state.as_deref() {
            None => true,
            Some(s) => !matches!(s, "config-files" | "not-installed"),
        }
    }

    /// Converts into a [`Package`] found in `path`.
    pub fn to_package(&self, path: &str) -> Package {
        let source_name = self.source.clone().unwrap_or_else(|| self.package.clone());
        let source_version = self
            .source_version
            .clone()
            .unwrap_or_else(|| self.version.clone());
        Package {
            id: Package::compute_id(
                "deb",
                &self.package,
                &self.version,
                self.architecture.as_deref(),
                path,
            ),
            ecosystem: "deb".into(),
            name: self.package.clone(),
            version: self.version.clone(),
            arch: self.architecture.clone(),
            source_name: Some(source_name.clone()),
            source_version: Some(source_version),
            purl: purl(
                &self.package,
                &self.version,
                self.architecture.as_deref(),
                Some(&source_name),
                None,
                None,
            ),
            layer_diff_id: None,
            found_in: path.to_owned(),
            origin: PackageOrigin::Installed,
            licenses: Vec::new(),
            files: Vec::new(),
            scope: None,
            provides: Vec::new(),
        }
    }
}

/// `pkg:deb/<vendor>/<name>@<version>?arch=..&distro=<id>-<version>&upstream=<source>`.
pub fn purl(
    name: &str,
    version: &str,
    arch: Option<&str>,
    source: Option<&str>,
    vendor: Option<&str>,
    distro: Option<&str>,
) -> Purl {
    let upstream = source.filter(|s| *s != name).unwrap_or("");
    Purl::new(
        "deb",
        Some(vendor.unwrap_or("debian")),
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
pub struct StatusProblem {
    /// 1-based line where the paragraph starts.
    pub line: usize,
    pub message: String,
}

/// Parses a whole status file. Bad paragraphs are reported, not fatal.
pub fn parse_status(content: &str) -> (Vec<StatusEntry>, Vec<StatusProblem>) {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    let mut start_line = 1;
    let mut fields: Vec<(&str, &str)> = Vec::new();
    let mut line_no = 0;
    let mut flush = |fields: &mut Vec<(&str, &str)>, start: usize| {
        if fields.is_empty() {
            return;
        }
        match paragraph(fields) {
            Ok(e) => entries.push(e),
            Err(m) => problems.push(StatusProblem {
                line: start,
                message: m,
            }),
        }
        fields.clear();
    };
    for line in content.split('\n') {
        line_no += 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            flush(&mut fields, start_line);
            start_line = line_no + 1;
            continue;
        }
        if line.starts_with([' ', '\t']) {
            continue; // continuation of a multi-line field we do not keep
        }
        if let Some((k, v)) = line.split_once(':') {
            fields.push((k.trim(), v.trim()));
        } else {
            fields.push(("", line));
        }
    }
    flush(&mut fields, start_line);
    (entries, problems)
}

fn paragraph(fields: &[(&str, &str)]) -> Result<StatusEntry, String> {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    };
    let package = get("Package")
        .filter(|p| !p.is_empty())
        .ok_or("paragraph has no Package field")?;
    if !package
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    {
        return Err(format!(
            "invalid package name {:?}",
            package.chars().take(100).collect::<String>()
        ));
    }
    let version = get("Version")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("package {package} has no Version field"))?;
    let (source, source_version) = match get("Source") {
        Some(s) if !s.is_empty() => match s.split_once('(') {
            Some((name, rest)) => (
                Some(name.trim().to_owned()),
                rest.split_once(')').map(|(v, _)| v.trim().to_owned()),
            ),
            None => (Some(s.to_owned()), None),
        },
        _ => (None, None),
    };
    let state = get("Status")
        .and_then(|s| s.split_whitespace().nth(2))
        .map(str::to_owned);
    Ok(StatusEntry {
        package: package.to_owned(),
        version: version.to_owned(),
        architecture: get("Architecture")
            .filter(|a| !a.is_empty())
            .map(str::to_owned),
        source,
        source_version,
        state,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_with_version_and_states() {
        let text = "Package: libssl1.0.0\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl (1.0.1e-2)\nVersion: 1.0.1e-2+deb7u4\nDescription: x\n multi\n .\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n\nPackage: bash\nVersion: 5.2-1\n";
        let (e, p) = parse_status(text);
        assert!(p.is_empty());
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].source.as_deref(), Some("openssl"));
        assert_eq!(e[0].source_version.as_deref(), Some("1.0.1e-2"));
        assert!(!e[1].is_installed());
        assert!(e[2].is_installed());
        let pkg = e[0].to_package("var/lib/dpkg/status");
        assert_eq!(pkg.source_or_name(), "openssl");
        assert_eq!(pkg.source_version_or_version(), "1.0.1e-2");
    }

    #[test]
    fn corrupt_paragraphs_are_reported() {
        let (e, p) =
            parse_status("Pakij: apt\nStratus: install ok installed\n\nPackage: ok\nVersion: 1\n");
        assert_eq!(e.len(), 1);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].line, 1);
    }
}
