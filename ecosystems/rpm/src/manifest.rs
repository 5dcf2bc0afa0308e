//! Package lists that stand in for an rpm database.
//!
//! - CBL-Mariner / Azure Linux distroless images have no rpm database, only
//!   `var/lib/rpmmanifest/container-manifest-2`: one package per line, ten tab-separated
//!   fields, written by
//!   `rpm -qa --qf '%{NAME}\t%{VERSION}-%{RELEASE}\t%{INSTALLTIME}\t%{BUILDTIME}\t%{VENDOR}\t%{EPOCH}\t%{SIZE}\t%{ARCH}\t%{EPOCHNUM}\t%{SOURCERPM}\n'`
//!   (`EPOCH` is `(none)` when unset).
//! - Red Hat images carry `root/buildinfo/content_manifests/*.json`, whose `content_sets`
//!   name the repositories the image was built from (what Red Hat's VEX data is keyed by).

use crate::header::RpmPackage;

/// A line of a container manifest that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestProblem {
    /// 1-based.
    pub line: usize,
    pub message: String,
}

fn none_if(s: &str) -> Option<String> {
    (!s.is_empty() && s != "(none)").then(|| s.to_owned())
}

/// Parses a `container-manifest-2`. Bad lines are reported; the others are read.
pub fn parse_container_manifest(content: &[u8]) -> (Vec<RpmPackage>, Vec<ManifestProblem>) {
    let text = String::from_utf8_lossy(content);
    let mut packages = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let bad = |message: String| ManifestProblem {
            line: i + 1,
            message,
        };
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 10 {
            problems.push(bad(format!("{} fields, expected 10", f.len())));
            continue;
        }
        let Some((version, release)) = f[1].rsplit_once('-') else {
            problems.push(bad(format!("version {:?} has no release", f[1])));
            continue;
        };
        if f[0].is_empty() || version.is_empty() || release.is_empty() {
            problems.push(bad("empty name, version or release".into()));
            continue;
        }
        let epoch = match (f[5], f[8]) {
            ("(none)" | "", "0" | "" | "(none)") => Ok(None),
            ("(none)" | "", n) | (n, _) => n.parse::<u32>().map(Some),
        };
        let Ok(epoch) = epoch else {
            problems.push(bad(format!("bad epoch {:?}/{:?}", f[5], f[8])));
            continue;
        };
        packages.push(RpmPackage {
            name: f[0].to_owned(),
            epoch,
            version: version.to_owned(),
            release: release.to_owned(),
            arch: none_if(f[7]),
            source_rpm: none_if(f[9]),
            modularity_label: None,
            vendor: none_if(f[4]),
            license: None,
            files: Vec::new(),
            files_error: None,
        });
    }
    (packages, problems)
}

/// The `content_sets` of a Red Hat content manifest (`root/buildinfo/content_manifests/*.json`).
/// Anything that is not such a manifest gives an empty list.
pub fn parse_content_manifest(content: &[u8]) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Manifest {
        #[serde(default)]
        content_sets: Vec<String>,
    }
    serde_json::from_slice::<Manifest>(content)
        .map(|m| m.content_sets)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_manifest() {
        let json = br#"{"metadata":{"icm_version":1,"icm_spec":"https://raw.githubusercontent.com/containerbuildsystem/atomic-reactor/master/atomic_reactor/schemas/content_manifest.json","image_layer_index":1},"content_sets":["rhel-8-for-x86_64-baseos-rpms","rhel-8-for-x86_64-appstream-rpms"],"image_contents":[]}"#;
        assert_eq!(
            parse_content_manifest(json),
            vec![
                "rhel-8-for-x86_64-baseos-rpms".to_owned(),
                "rhel-8-for-x86_64-appstream-rpms".to_owned()
            ]
        );
        assert!(parse_content_manifest(b"not json").is_empty());
        assert!(parse_content_manifest(b"{}").is_empty());
    }

    #[test]
    fn manifest_lines() {
        let text = "a\t1.0-1\t1\t1\tV\t(none)\t5\tx86_64\t0\ta-1.0-1.src.rpm\n\
                    b\t2.0-3.cm2\t1\t1\tV\t0\t5\tnoarch\t0\t(none)\n\
                    bad line\n\
                    c\tnorelease\t1\t1\tV\t(none)\t5\tx86_64\t0\tc.src.rpm\n";
        let (p, e) = parse_container_manifest(text.as_bytes());
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].epoch, None);
        assert_eq!(p[1].epoch, Some(0));
        assert_eq!(p[1].source_rpm, None);
        assert_eq!(e.iter().map(|e| e.line).collect::<Vec<_>>(), vec![3, 4]);
    }
}
