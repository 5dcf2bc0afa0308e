//! Maven coordinates guessed from an archive's file name, the last resort.
//!
//! Maven names what it builds `ARTIFACT-VERSION[-CLASSIFIER].EXT`, and most tools keep that
//! name when they copy a jar into an image (`WEB-INF/lib`, `BOOT-INF/lib`, `/opt/app/lib`).
//! Artifact ids may themselves contain `-DIGIT` (`log4j-1.2-api-2.17.1.jar`), and versions
//! may contain `-LETTERS` (`guava-27.0-jre`, `1.0-SNAPSHOT`), so the split is chosen this way:
//! the name is cut into `-`-separated segments; the version starts at the first segment that
//! begins with a digit, *unless* some later segment is all letters and is followed by another
//! segment beginning with a digit (`…-1.2-api-2.17.1`: `api` then `2.17.1`), in which case
//! the version starts later. Then well-known classifiers (`sources`, `javadoc`, `tests`,
//! `shaded`, `all`, `jar-with-dependencies`, operating-system/architecture pairs such as
//! `linux-x86_64`…) are cut off the end of the version. `-SNAPSHOT` and timestamped snapshots
//! (`1.0-20230101.123456-1`) stay in the version.

/// The parts of an archive file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    /// The artifact id guess: everything before the version (the whole stem without one).
    pub artifact: String,
    pub version: Option<String>,
    pub classifier: Option<String>,
}

/// Extensions of Java archives this crate opens.
pub const ARCHIVE_EXTENSIONS: [&str; 5] = ["jar", "war", "ear", "jpi", "hpi"];

/// Whether a path names a Java archive (`.jar`, `.war`, `.ear`, `.jpi`, `.hpi`,
/// ASCII-case-insensitively).
pub fn is_archive_name(path: &str) -> bool {
    path.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && !stem.ends_with('/')
            && ARCHIVE_EXTENSIONS
                .iter()
                .any(|e| ext.eq_ignore_ascii_case(e))
    })
}

const CLASSIFIERS: [&str; 14] = [
    "test-sources",
    "sources",
    "javadoc",
    "tests",
    "test-jar",
    "shaded",
    "all",
    "uber",
    "standalone",
    "jar-with-dependencies",
    "with-dependencies",
    "exec",
    "plain",
    "bin",
];

const OSES: [&str; 6] = ["linux", "osx", "macos", "windows", "darwin", "win"];

fn strip_classifier(version: &str) -> (&str, Option<&str>) {
    for c in CLASSIFIERS {
        if let Some(v) = version.strip_suffix(c).and_then(|v| v.strip_suffix('-'))
            && !v.is_empty()
        {
            return (v, Some(&version[v.len() + 1..]));
        }
    }
    // OS/architecture classifiers: `-linux-x86_64`, `-osx-aarch_64`, `-windows-x86_64`.
    let segs: Vec<&str> = version.split('-').collect();
    if segs.len() >= 3 {
        let os = segs[segs.len() - 2];
        if OSES.iter().any(|o| os.eq_ignore_ascii_case(o)) {
            let cut = version.len() - os.len() - segs[segs.len() - 1].len() - 2;
            return (&version[..cut], Some(&version[cut + 1..]));
        }
    }
    (version, None)
}

fn starts_with_digit(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| b.is_ascii_digit())
}

/// Splits a file name (with or without directories) into artifact, version and classifier.
/// `None` when the name is empty after removing the directory and extension.
pub fn parse_file_name(path: &str) -> Option<FileName> {
    let base = path.rsplit('/').next().unwrap_or(path);
    let stem = match base.rsplit_once('.') {
        Some((s, ext))
            if ARCHIVE_EXTENSIONS
                .iter()
                .any(|e| ext.eq_ignore_ascii_case(e)) =>
        {
            s
        }
        _ => base,
    };
    if stem.is_empty() {
        return None;
    }
    let segs: Vec<&str> = stem.split('-').collect();
    let alpha = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphabetic());
    let start = (1..segs.len()).find(|&i| {
        starts_with_digit(segs[i])
            && !(i + 1..segs.len().saturating_sub(1))
                .any(|j| alpha(segs[j]) && starts_with_digit(segs[j + 1]))
    });
    let Some(start) = start else {
        return Some(FileName {
            artifact: stem.to_owned(),
            version: None,
            classifier: None,
        });
    };
    let artifact = segs[..start].join("-");
    let full = segs[start..].join("-");
    let (version, classifier) = strip_classifier(&full);
    Some(FileName {
        artifact,
        version: Some(version.to_owned()),
        classifier: classifier.map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(name: &str) -> (String, Option<String>, Option<String>) {
        let f = parse_file_name(name).expect("parses");
        (f.artifact, f.version, f.classifier)
    }

    #[test]
    fn common_shapes() {
        let cases: [(&str, &str, Option<&str>, Option<&str>); 16] = [
            ("commons-io-2.11.0.jar", "commons-io", Some("2.11.0"), None),
            ("lib/guava-27.0-jre.jar", "guava", Some("27.0-jre"), None),
            (
                "log4j-1.2-api-2.17.1.jar",
                "log4j-1.2-api",
                Some("2.17.1"),
                None,
            ),
            ("app-1.0-SNAPSHOT.war", "app", Some("1.0-SNAPSHOT"), None),
            (
                "app-1.0-20230101.123456-1.jar",
                "app",
                Some("1.0-20230101.123456-1"),
                None,
            ),
            (
                "commons-io-2.11.0-sources.jar",
                "commons-io",
                Some("2.11.0"),
                Some("sources"),
            ),
            (
                "cassandra-driver-core-3.11.0-shaded.jar",
                "cassandra-driver-core",
                Some("3.11.0"),
                Some("shaded"),
            ),
            (
                "netty-tcnative-boringssl-static-2.0.36.Final-linux-x86_64.jar",
                "netty-tcnative-boringssl-static",
                Some("2.0.36.Final"),
                Some("linux-x86_64"),
            ),
            (
                "java-cup-runtime-11b-20160615.jar",
                "java-cup-runtime",
                Some("11b-20160615"),
                None,
            ),
            ("ohc-core-j8-0.5.1.jar", "ohc-core-j8", Some("0.5.1"), None),
            ("zstd-jni-1.3.8-5.jar", "zstd-jni", Some("1.3.8-5"), None),
            (
                "x-1.0-jar-with-dependencies.jar",
                "x",
                Some("1.0"),
                Some("jar-with-dependencies"),
            ),
            ("fqltool.jar", "fqltool", None, None),
            (
                "HdrHistogram-2.1.9.JAR",
                "HdrHistogram",
                Some("2.1.9"),
                None,
            ),
            ("jbcrypt-0.3m.jar", "jbcrypt", Some("0.3m"), None),
            ("1.0.jar", "1.0", None, None),
        ];
        for (name, a, v, c) in cases {
            assert_eq!(
                split(name),
                (a.to_owned(), v.map(str::to_owned), c.map(str::to_owned)),
                "{name}"
            );
        }
        assert!(parse_file_name(".jar").is_none());
    }

    #[test]
    fn archive_names() {
        assert!(is_archive_name("a/b.jar"));
        assert!(is_archive_name("B.WAR"));
        assert!(is_archive_name("x.hpi") && is_archive_name("x.jpi") && is_archive_name("x.ear"));
        assert!(
            !is_archive_name("a/.jar") && !is_archive_name("a.jar.sha1") && !is_archive_name("jar")
        );
    }
}
