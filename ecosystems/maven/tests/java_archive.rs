//! The `java-archive` analyzer against real upstream fixtures (claircore, syft), jars built
//! by the JDK's `jar` tool, and hostile archives built here with the zip writer.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use customs_analyzer::{Analyzer, Diagnostic, FileEntry, LayerFindings};
use customs_maven::{JavaArchiveAnalyzer, Limits};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

fn data() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).to_path_buf()
}

/// Files of a `.tar.zst` archive under `prefix`, by path relative to `prefix`.
fn archive_files(archive: &str, prefix: &str) -> BTreeMap<String, Vec<u8>> {
    let f = std::fs::File::open(data().join("archives").join(archive)).expect("archive");
    let dec = zstd::stream::read::Decoder::new(f).expect("zstd");
    let mut tar = tar::Archive::new(dec);
    let mut out = BTreeMap::new();
    for e in tar.entries().expect("tar") {
        let mut e = e.expect("entry");
        if e.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let p = e.path().expect("path").to_string_lossy().into_owned();
        let p = p.trim_start_matches("./");
        if let Some(rel) = p.strip_prefix(prefix) {
            let mut b = Vec::new();
            e.read_to_end(&mut b).expect("read");
            out.insert(rel.to_owned(), b);
        }
    }
    out
}

/// A zip of `entries` (deflated), as a jar tool would write it.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, body) in entries {
        w.start_file(*name, opts).expect("start");
        w.write_all(body).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

fn run_with(analyzer: &JavaArchiveAnalyzer, path: &str, bytes: &[u8]) -> LayerFindings {
    let mut out = LayerFindings::default();
    let mut reader = bytes;
    let mut entry = FileEntry::new(path, bytes.len() as u64, 0o644, &mut reader);
    analyzer.analyze(&mut entry, &mut out).expect("analyze");
    out
}

fn run(path: &str, bytes: &[u8]) -> LayerFindings {
    run_with(&JavaArchiveAnalyzer::new(), path, bytes)
}

/// (name, version, purl, `found_in`) of every package, sorted.
fn packages(out: &LayerFindings) -> Vec<(String, String, String, String)> {
    let mut v: Vec<_> = out
        .files
        .values()
        .flat_map(|f| &f.packages)
        .map(|p| {
            assert_eq!(p.ecosystem, "maven");
            assert_eq!(p.origin, customs_model::PackageOrigin::Installed);
            (
                p.name.clone(),
                p.version.clone(),
                p.purl.as_str().to_owned(),
                p.found_in.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

fn codes(out: &LayerFindings) -> Vec<&str> {
    out.diagnostics.iter().map(|d| d.code.as_str()).collect()
}

fn diag<'a>(out: &'a LayerFindings, code: &str) -> &'a Diagnostic {
    out.diagnostics
        .iter()
        .find(|d| d.code == code)
        .unwrap_or_else(|| panic!("no {code} diagnostic in {:?}", out.diagnostics))
}

/// claircore's 64 real MANIFEST.MF files (java/jar/testdata/manifest), each packed alone into
/// a jar named as upstream named it: the package read from manifest + file name. The table
/// was checked by hand against each manifest (see the module docs of `archive` for the
/// rules); the groupIds are the heuristic ones (`org.apache:commons-cli` is what the
/// manifest's `Implementation-Vendor-Id` says, although Maven Central has
/// `commons-cli:commons-cli`).
#[test]
fn claircore_manifests() {
    // (file, name, version, whether the manifest contributed: found_in ends in MANIFEST.MF)
    let want: [(&str, &str, &str, bool); 64] = [
        (
            "HdrHistogram-2.1.9.jar",
            "org.hdrhistogram:HdrHistogram",
            "2.1.9",
            true,
        ),
        ("ST4-4.0.8.jar", "org.antlr:ST4", "4.0.8", true),
        ("airline-0.8.jar", "io.airlift:airline", "0.8", true),
        (
            "antlr-runtime-3.5.2.jar",
            "org.antlr:antlr-runtime",
            "3.5.2",
            true,
        ),
        (
            "apache-cassandra-4.0.0.jar",
            "apache-cassandra",
            "4.0.0",
            true,
        ),
        ("asm-7.1.jar", "asm", "7.1", true),
        ("caffeine-2.3.5.jar", "caffeine", "2.3.5", false),
        (
            "cassandra-driver-core-3.11.0-shaded.jar",
            "cassandra-driver-core",
            "3.11.0",
            false,
        ),
        (
            "chronicle-bytes-2.20.111.jar",
            "net.openhft:chronicle-bytes",
            "2.20.111",
            true,
        ),
        (
            "chronicle-core-2.20.126.jar",
            "net.openhft:chronicle-core",
            "2.20.126",
            true,
        ),
        (
            "chronicle-queue-5.20.123.jar",
            "net.openhft:chronicle-queue",
            "5.20.123",
            true,
        ),
        (
            "chronicle-threads-2.20.111.jar",
            "net.openhft:chronicle-threads",
            "2.20.111",
            true,
        ),
        (
            "chronicle-wire-2.20.117.jar",
            "net.openhft:chronicle-wire",
            "2.20.117",
            true,
        ),
        ("commons-cli-1.1.jar", "org.apache:commons-cli", "1.1", true),
        (
            "commons-codec-1.9.jar",
            "org.apache.commons:commons-codec",
            "1.9",
            true,
        ),
        (
            "commons-lang3-3.11.jar",
            "org.apache.commons:commons-lang3",
            "3.11",
            true,
        ),
        (
            "commons-math3-3.2.jar",
            "org.apache.commons:commons-math3",
            "3.2",
            true,
        ),
        (
            "concurrent-trees-2.4.0.jar",
            "concurrent-trees",
            "2.4.0",
            false,
        ),
        ("ecj-4.6.1.jar", "ecj", "4.6.1", false),
        ("fqltool.jar", "", "", false),
        ("guava-27.0-jre.jar", "guava", "27.0-jre", false),
        ("high-scale-lib-1.0.6.jar", "high-scale-lib", "1.0.6", false),
        ("hppc-0.8.1.jar", "hppc", "0.8.1", false),
        (
            "j2objc-annotations-1.3.jar",
            "j2objc-annotations",
            "1.3",
            false,
        ),
        (
            "jackson-annotations-2.9.10.jar",
            "com.fasterxml.jackson.core:jackson-annotations",
            "2.9.10",
            true,
        ),
        (
            "jackson-core-2.9.10.jar",
            "com.fasterxml.jackson.core:jackson-core",
            "2.9.10",
            true,
        ),
        (
            "jackson-databind-2.9.10.8.jar",
            "com.fasterxml.jackson.core:jackson-databind",
            "2.9.10.8",
            true,
        ),
        ("jamm-0.3.2.jar", "jamm", "0.3.2", false),
        (
            "java-cup-runtime-11b-20160615.jar",
            "java-cup-runtime",
            "11b-20160615",
            false,
        ),
        ("jbcrypt-0.3m.jar", "jbcrypt", "0.3m", false),
        (
            "jcl-over-slf4j-1.7.25.jar",
            "jcl-over-slf4j",
            "1.7.25",
            true,
        ),
        ("jcommander-1.30.jar", "jcommander", "1.30", false),
        (
            "jctools-core-3.1.0.jar",
            "org.jctools:jctools-core",
            "3.1.0",
            true,
        ),
        ("jflex-1.8.2.jar", "jflex", "1.8.2", false),
        ("jna-5.6.0.jar", "jna", "5.6.0", true),
        ("json-simple-1.1.jar", "json-simple", "1.1", false),
        ("jvm-attach-api-1.5.jar", "jvm-attach-api", "1.5", false),
        (
            "log4j-over-slf4j-1.7.25.jar",
            "log4j-over-slf4j",
            "1.7.25",
            true,
        ),
        (
            "logback-classic-1.2.3.jar",
            "ch.qos.logback:logback-classic",
            "1.2.3",
            true,
        ),
        (
            "logback-core-1.2.3.jar",
            "ch.qos.logback:logback-core",
            "1.2.3",
            true,
        ),
        ("lz4-java-1.7.1.jar", "lz4-java", "1.7.1", false),
        (
            "metrics-core-3.1.5.jar",
            "io.dropwizard.metrics:metrics-core",
            "3.1.5",
            true,
        ),
        (
            "metrics-jvm-3.1.5.jar",
            "io.dropwizard.metrics:metrics-jvm",
            "3.1.5",
            true,
        ),
        (
            "metrics-logback-3.1.5.jar",
            "io.dropwizard.metrics:metrics-logback",
            "3.1.5",
            true,
        ),
        ("mxdump-0.14.jar", "mxdump", "0.14", false),
        (
            "netty-all-4.1.58.Final.jar",
            "io.netty:netty-all",
            "4.1.58.Final",
            true,
        ),
        (
            "netty-tcnative-boringssl-static-2.0.36.Final.jar",
            "netty-tcnative-boringssl-static",
            "2.0.36.Final",
            false,
        ),
        ("ohc-core-0.5.1.jar", "ohc-core", "0.5.1", false),
        ("ohc-core-j8-0.5.1.jar", "ohc-core-j8", "0.5.1", false),
        ("psjava-0.1.19.jar", "psjava", "0.1.19", false),
        (
            "reporter-config-base-3.0.3.jar",
            "com.addthis.metrics:reporter-config-base",
            "3.0.3",
            true,
        ),
        (
            "reporter-config3-3.0.3.jar",
            "com.addthis.metrics:reporter-config3",
            "3.0.3",
            true,
        ),
        ("sigar-1.6.4.jar", "sigar", "1.6.4", false),
        ("sjk-cli-0.14.jar", "sjk-cli", "0.14", false),
        ("sjk-core-0.14.jar", "sjk-core", "0.14", false),
        ("sjk-json-0.14.jar", "sjk-json", "0.14", false),
        ("sjk-stacktrace-0.14.jar", "sjk-stacktrace", "0.14", false),
        ("slf4j-api-1.7.25.jar", "slf4j-api", "1.7.25", true),
        ("snakeyaml-1.26.jar", "snakeyaml", "1.26", false),
        (
            "snappy-java-1.1.2.6.jar",
            "org.xerial.snappy:snappy-java",
            "1.1.2.6",
            true,
        ),
        (
            "snowball-stemmer-1.3.0.581.1.jar",
            "snowball-stemmer",
            "1.3.0.581.1",
            false,
        ),
        ("stream-2.5.2.jar", "stream", "2.5.2", false),
        ("stress.jar", "", "", false),
        (
            "zstd-jni-1.3.8-5.jar",
            "com.github.luben:zstd-jni",
            "1.3.8-5",
            true,
        ),
    ];
    let dir = data().join("pkgdb/lang/claircore-java/manifest");
    let mut on_disk: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| {
            Path::new(n)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("jar"))
        })
        .collect();
    on_disk.sort();
    let mut listed: Vec<_> = want.iter().map(|w| w.0.to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "every fixture is in the table");
    let mut identified = 0;
    for (file, name, version, via_manifest) in want {
        let mf = std::fs::read(dir.join(file)).expect("read");
        let jar = zip_of(&[("META-INF/MANIFEST.MF", &mf)]);
        let path = format!("usr/share/java/{file}");
        let out = run(&path, &jar);
        assert!(out.diagnostics.is_empty(), "{file}: {:?}", out.diagnostics);
        let got = packages(&out);
        if name.is_empty() {
            assert!(got.is_empty(), "{file}: {got:?}");
            assert!(out.files.contains_key(&path), "touched");
            continue;
        }
        identified += 1;
        assert_eq!(got.len(), 1, "{file}: {got:?}");
        let (n, v, purl, found_in) = &got[0];
        assert_eq!((n.as_str(), v.as_str()), (name, version), "{file}");
        let expect_found = if via_manifest {
            format!("{path}!META-INF/MANIFEST.MF")
        } else {
            path.clone()
        };
        assert_eq!(found_in, &expect_found, "{file}");
        let expect_purl = match name.split_once(':') {
            Some((g, a)) => format!("pkg:maven/{g}/{a}@{version}"),
            None => format!("pkg:maven/{name}@{version}"),
        };
        assert_eq!(purl, &expect_purl);
    }
    assert_eq!(identified, 62);
}

/// A simple independent reading of a pom.properties: `key=value` lines, `#` comments.
fn simple_props(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// claircore's 49 real pom.properties (java/jar/testdata/properties, each named after the
/// jar it came from), packed at `META-INF/maven/G/A/pom.properties` together with the jar's
/// real manifest when claircore has it. Each gives exactly its coordinates; when the
/// properties do not name the jar (the shaded cassandra driver bundles jctools' file), the
/// jar's own identity from manifest and file name is added. Also measures the manifest
/// groupId heuristic against these exact groupIds.
#[test]
fn claircore_properties() {
    let dir = data().join("pkgdb/lang/claircore-java/properties");
    let mdir = data().join("pkgdb/lang/claircore-java/manifest");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 49);
    let (mut group_right, mut group_wrong, mut group_none) = (0, 0, 0);
    for file in &names {
        let text = std::fs::read_to_string(dir.join(file)).expect("read");
        let p = simple_props(&text);
        let (g, a, v) = (&p["groupId"], &p["artifactId"], &p["version"]);
        let entry = format!("META-INF/maven/{g}/{a}/pom.properties");
        let mf = std::fs::read(mdir.join(file)).ok();
        let mut entries: Vec<(&str, &[u8])> = vec![(&entry, text.as_bytes())];
        if let Some(mf) = &mf {
            entries.push(("META-INF/MANIFEST.MF", mf));
        }
        let path = format!("app/lib/{file}");
        let out = run(&path, &zip_of(&entries));
        assert!(out.diagnostics.is_empty(), "{file}: {:?}", out.diagnostics);
        let got = packages(&out);
        let from_props = (
            format!("{g}:{a}"),
            v.clone(),
            format!("pkg:maven/{g}/{a}@{v}"),
            format!("{path}!{entry}"),
        );
        assert!(got.contains(&from_props), "{file}: {got:?}");
        if file == "cassandra-driver-core-3.11.0-shaded.jar" {
            assert_eq!(a, "jctools-core");
            assert_eq!(got.len(), 2, "{got:?}");
            assert!(
                got.iter()
                    .any(|p| p.0 == "cassandra-driver-core" && p.1 == "3.11.0")
            );
        } else {
            assert_eq!(got.len(), 1, "{file}: {got:?}");
        }
        // The heuristic on the manifest alone, against the exact groupId.
        if let Some(mf) = &mf
            && file != "cassandra-driver-core-3.11.0-shaded.jar"
        {
            let alone = packages(&run(&path, &zip_of(&[("META-INF/MANIFEST.MF", mf)])));
            match alone.first().and_then(|p| p.0.split_once(':')) {
                Some((mg, _)) if mg == g => group_right += 1,
                Some((mg, _)) => {
                    println!("wrong groupId for {file}: {mg} (exact {g})");
                    group_wrong += 1;
                }
                None => group_none += 1,
            }
        }
    }
    // 48 jars have both: the manifest heuristic finds the exact groupId for 23, a wrong one
    // for 1 (commons-codec: `org.apache.commons` from its Bundle-SymbolicName, Maven Central
    // says `commons-codec`), and none for 24 (name without group, purl without namespace).
    println!(
        "manifest groupId heuristic: {group_right} right, {group_wrong} wrong, {group_none} none"
    );
    assert_eq!((group_right, group_wrong, group_none), (23, 1, 24));
}

fn pkg(name: &str, version: &str, found_in: &str) -> (String, String, String, String) {
    let purl = match name.split_once(':') {
        Some((g, a)) => format!("pkg:maven/{g}/{a}@{version}"),
        None => format!("pkg:maven/{name}@{version}"),
    };
    (
        name.to_owned(),
        version.to_owned(),
        purl,
        found_in.to_owned(),
    )
}

fn sorted(mut v: Vec<(String, String, String, String)>) -> Vec<(String, String, String, String)> {
    v.sort();
    v
}

/// claircore's real nested jar (java/jar/testdata/inner/inner.jar): useless manifests
/// (`a: b`), so the packages come from the nested jars' file names, two levels deep; the
/// top jar and `something-invalid.jar` have no version in their names and yield nothing.
#[test]
fn claircore_inner_jar() {
    let files = archive_files("claircore-testdata.tar.zst", "java/jar/testdata/inner/");
    let jar = &files["inner.jar"];
    let out = run("opt/app/inner.jar", jar);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let api = "opt/app/inner.jar!BOOT-INF/lib/log4j-api-2.14.jar";
    assert_eq!(
        packages(&out),
        sorted(vec![
            pkg(
                "jackson-annotations",
                "2.13.0",
                "opt/app/inner.jar!BOOT-INF/lib/jackson-annotations-2.13.0.jar"
            ),
            pkg("log4j-api", "2.14", api),
            pkg(
                "log4j",
                "2.14.0",
                &format!("{api}!META-INF/inner-jar/log4j-2.14.0.jar")
            ),
        ])
    );
}

/// syft's jar-metadata fixtures (syft/pkg/cataloger/java/testdata/jar-metadata: each
/// directory is the content of a jar named after it), zipped here as syft's Makefile does.
#[test]
fn syft_jar_metadata() {
    let files = archive_files(
        "syft-testdata.tar.zst",
        "syft/pkg/cataloger/java/testdata/jar-metadata/",
    );
    let mut jars: BTreeMap<String, Vec<(String, Vec<u8>)>> = BTreeMap::new();
    for (rel, body) in &files {
        let Some(i) = rel.find("/META-INF/") else {
            continue;
        };
        let (dir, inner) = (&rel[..i], &rel[i + 1..]);
        // The Jenkins plugin fixture (jenkins-plugins/gradle/2.11) is laid out the way
        // Jenkins images hold plugins: `plugins/gradle.jpi`.
        let jar = if dir == "jenkins-plugins/gradle/2.11" {
            "gradle.jpi".to_owned()
        } else {
            format!("{dir}.jar")
        };
        jars.entry(jar)
            .or_default()
            .push((inner.to_owned(), body.clone()));
    }
    let p = |j: &str| format!("lib/{j}");
    let props =
        |j: &str, g: &str, a: &str| format!("lib/{j}!META-INF/maven/{g}/{a}/pom.properties");
    let mf = |j: &str| format!("lib/{j}!META-INF/MANIFEST.MF");
    let want: BTreeMap<&str, Vec<(String, String, String, String)>> = [
        (
            "api-all-2.0.0-sources.jar",
            vec![
                pkg(
                    "org.apache.directory.api:api-all",
                    "2.0.0",
                    &props(
                        "api-all-2.0.0-sources.jar",
                        "org.apache.directory.api",
                        "api-all",
                    ),
                ),
                pkg(
                    "org.apache.directory.api:api-asn1-api",
                    "2.0.0",
                    &props(
                        "api-all-2.0.0-sources.jar",
                        "org.apache.directory.api",
                        "api-asn1-api",
                    ),
                ),
            ],
        ),
        (
            "com.fasterxml.jackson.core.jackson-core-2.15.2.jar",
            vec![pkg(
                "com.fasterxml.jackson.core:jackson-core",
                "2.15.2",
                &mf("com.fasterxml.jackson.core.jackson-core-2.15.2.jar"),
            )],
        ),
        (
            "commons-lang3-3.12.0.jar",
            vec![pkg(
                "commons-lang3",
                "3.12.0",
                &p("commons-lang3-3.12.0.jar"),
            )],
        ),
        (
            "gradle.jpi",
            vec![pkg(
                "org.jenkins-ci.plugins:gradle",
                "2.11",
                &mf("gradle.jpi"),
            )],
        ),
        (
            "jackson-core-2.15.2.jar",
            vec![pkg(
                "com.fasterxml.jackson.core:jackson-core",
                "2.15.2",
                &mf("jackson-core-2.15.2.jar"),
            )],
        ),
        (
            "micronaut-aop-4.9.11.jar",
            vec![pkg(
                "micronaut-aop",
                "4.9.11",
                &mf("micronaut-aop-4.9.11.jar"),
            )],
        ),
        (
            "multiple-matching-2.11.5.jar",
            (1..=3)
                .map(|i| {
                    let a = format!("multiple-matching-{i}");
                    pkg(
                        &format!("org.multiple:{a}"),
                        "2.11.5",
                        &props("multiple-matching-2.11.5.jar", "org.multiple", &a),
                    )
                })
                .collect(),
        ),
        (
            "opensaml-core-3.4.6.jar",
            vec![pkg(
                "org.opensaml:opensaml-core",
                "3.4.6",
                &props("opensaml-core-3.4.6.jar", "org.opensaml", "opensaml-core"),
            )],
        ),
        (
            "org.multiple-thename.jar",
            vec![
                pkg(
                    "com.multiple:thename",
                    "10.11.12",
                    &props("org.multiple-thename.jar", "com.multiple", "thename"),
                ),
                pkg(
                    "org.multiple:thename",
                    "10.11.12",
                    &props("org.multiple-thename.jar", "org.multiple", "thename"),
                ),
            ],
        ),
        (
            "spring-instrumentation-4.3.0-1.0.jar",
            vec![pkg(
                "spring-instrumentation",
                "1.0",
                &mf("spring-instrumentation-4.3.0-1.0.jar"),
            )],
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        jars.keys().map(String::as_str).collect::<Vec<_>>(),
        want.keys().copied().collect::<Vec<_>>()
    );
    for (jar, entries) in &jars {
        let entries: Vec<(&str, &[u8])> = entries
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        let out = run(&p(jar), &zip_of(&entries));
        assert!(out.diagnostics.is_empty(), "{jar}: {:?}", out.diagnostics);
        assert_eq!(packages(&out), sorted(want[jar.as_str()].clone()), "{jar}");
    }
}

/// syft's manifest fixtures (pkgdb/lang/syft-java/manifest) read by the manifest parser.
#[test]
fn syft_manifests() {
    let dir = data().join("pkgdb/lang/syft-java/manifest");
    let read = |n: &str| {
        customs_maven::manifest::parse_manifest(&std::fs::read(dir.join(n)).expect("read"))
    };
    let m = read("continuation");
    assert_eq!(
        m.get("Plugin-ScmUrl"),
        Some("https://github.com/jenkinsci/plugin-pom/example-jenkins-plugin")
    );
    assert_eq!(m.main.len(), 2);
    let m = read("extra-empty-lines");
    assert_eq!(m.main.len(), 3, "main section ends at the first blank line");
    assert_eq!(m.get("Created-By"), Some("Apache Maven 3.6.3"));
    let m = read("standard-info");
    assert_eq!(m.main.len(), 8);
    assert_eq!(m.get("Name"), Some("the-best-name"));
    assert_eq!(m.get("Implementation-Version"), Some("the-impl-version"));
    let m = read("leading-space");
    assert_eq!(m.get("should"), Some("parse"));
    assert_eq!((m.bad_lines, m.first_bad_line), (2, Some(2)));
    assert_eq!(
        read("small").main,
        vec![("Manifest-Version".to_owned(), "1.0".to_owned())]
    );
    // Through the analyzer: only the first word of a version is kept.
    let mf = std::fs::read(dir.join("version-with-date")).expect("read");
    let out = run("x/foo.jar", &zip_of(&[("META-INF/MANIFEST.MF", &mf)]));
    assert_eq!(
        packages(&out),
        vec![pkg("foo", "1.3", "x/foo.jar!META-INF/MANIFEST.MF")]
    );
}

/// A war built by the JDK's own `jar` tool: the tool wraps manifest lines at 72 bytes, so the
/// long groupId below arrives split over continuation lines.
#[test]
fn jdk_jar_tool_war() {
    if std::process::Command::new("jar")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("SKIPPED: the JDK `jar` tool is not installed");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    let sh = |args: &[&str]| {
        let st = std::process::Command::new("jar")
            .args(args)
            .current_dir(t)
            .status()
            .expect("jar");
        assert!(st.success(), "jar {args:?}");
    };
    let write = |rel: &str, body: &str| {
        let p = t.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, body).expect("write");
    };
    let long_group =
        "org.example.a.rather.long.group.identifier.that.does.not.fit.on.one.manifest.line";
    write(
        "dep/META-INF/maven/org.example/dep/pom.properties",
        "groupId=org.example\nartifactId=dep\nversion=1.2.3\n",
    );
    write("dep/x.txt", "x");
    write("dep.mf", "Implementation-Title: dep\n");
    write("tool/x.txt", "x");
    write(
        "tool.mf",
        &format!(
            "Implementation-Title: tool\nImplementation-Version: 9.8.7\nImplementation-Vendor-Id: {long_group}\n"
        ),
    );
    write(
        "web/META-INF/maven/com.example/app/pom.properties",
        "groupId=com.example\nartifactId=app\nversion=1.0.0\n",
    );
    std::fs::create_dir_all(t.join("web/WEB-INF/lib")).expect("mkdir");
    sh(&[
        "--create",
        "--file",
        "web/WEB-INF/lib/dep-1.2.3.jar",
        "--manifest",
        "dep.mf",
        "-C",
        "dep",
        ".",
    ]);
    sh(&[
        "--create",
        "--file",
        "web/WEB-INF/lib/tool.jar",
        "--manifest",
        "tool.mf",
        "-C",
        "tool",
        ".",
    ]);
    sh(&["--create", "--file", "app.war", "-C", "web", "."]);
    // The tool really wrapped the manifest.
    let tool = std::fs::read(t.join("web/WEB-INF/lib/tool.jar")).expect("read");
    let mut z = zip::ZipArchive::new(Cursor::new(tool)).expect("zip");
    let mut mf = String::new();
    z.by_name("META-INF/MANIFEST.MF")
        .expect("mf")
        .read_to_string(&mut mf)
        .expect("read");
    assert!(
        mf.lines().any(|l| l.starts_with(' ')),
        "continuation lines expected:\n{mf}"
    );

    let war = std::fs::read(t.join("app.war")).expect("read");
    let out = run("usr/local/tomcat/webapps/app.war", &war);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let w = "usr/local/tomcat/webapps/app.war";
    assert_eq!(
        packages(&out),
        sorted(vec![
            pkg(
                "com.example:app",
                "1.0.0",
                &format!("{w}!META-INF/maven/com.example/app/pom.properties")
            ),
            pkg(
                "org.example:dep",
                "1.2.3",
                &format!(
                    "{w}!WEB-INF/lib/dep-1.2.3.jar!META-INF/maven/org.example/dep/pom.properties"
                )
            ),
            pkg(
                &format!("{long_group}:tool"),
                "9.8.7",
                &format!("{w}!WEB-INF/lib/tool.jar!META-INF/MANIFEST.MF")
            ),
        ])
    );
}

// ---- hostile input ----

/// Sets the declared uncompressed size of entry `name` in both its local header and its
/// central-directory record.
fn patch_declared_size(zip: &mut [u8], name: &str, size: u32) {
    let mut patched = 0;
    let mut i = 0;
    while i + 46 <= zip.len() {
        let (sig, name_at, size_at) = match &zip[i..i + 4] {
            b"PK\x03\x04" => ("local", 30, 22),
            b"PK\x01\x02" => ("central", 46, 24),
            _ => {
                i += 1;
                continue;
            }
        };
        let len_at = if sig == "local" { 26 } else { 28 };
        let n = u16::from_le_bytes([zip[i + len_at], zip[i + len_at + 1]]) as usize;
        if zip.get(i + name_at..i + name_at + n) == Some(name.as_bytes()) {
            zip[i + size_at..i + size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
        i += 4;
    }
    assert_eq!(patched, 2, "local header and central record of {name}");
}

/// `n` bytes of zeros deflated into entry `name` of a new zip, written in 1 MiB chunks.
fn zeros_zip(name: &str, n: u64, others: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, body) in others {
        w.start_file(*name, opts).expect("start");
        w.write_all(body).expect("write");
    }
    w.start_file(name, opts.large_file(n >= u64::from(u32::MAX)))
        .expect("start");
    let chunk = vec![0u8; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len() as u64);
        w.write_all(&chunk[..usize::try_from(k).expect("small")])
            .expect("write");
        left -= k;
    }
    w.finish().expect("finish").into_inner()
}

fn props_for(g: &str, a: &str, v: &str) -> String {
    format!("groupId={g}\nartifactId={a}\nversion={v}\n")
}

/// Jar in jar in jar, 30 levels: the top archive and 4 nested levels are read, the 5th level
/// gets one `archive-limit` diagnostic, deeper levels are never touched.
#[test]
fn deep_nesting_stops_at_the_limit() {
    let depth = 30;
    let mut inner: Vec<u8> = Vec::new();
    for level in (0..=depth).rev() {
        let props = props_for("org.deep", &format!("l{level}"), "1.0");
        let entry = format!("META-INF/maven/org.deep/l{level}/pom.properties");
        let child = format!("lib/l{}-1.0.jar", level + 1);
        let mut entries: Vec<(&str, &[u8])> = vec![(&entry, props.as_bytes())];
        if level < depth {
            entries.push((&child, &inner));
        }
        inner = zip_of(&entries);
    }
    let start = Instant::now();
    let out = run("l0-1.0.jar", &inner);
    assert!(start.elapsed() < Duration::from_secs(10));
    let names: Vec<String> = packages(&out).into_iter().map(|p| p.0).collect();
    assert_eq!(
        names,
        (0..=4)
            .map(|l| format!("org.deep:l{l}"))
            .collect::<Vec<_>>()
    );
    assert_eq!(codes(&out), vec!["archive-limit"]);
    let d = diag(&out, "archive-limit");
    assert_eq!(
        d.path.as_deref(),
        Some(
            "l0-1.0.jar!lib/l1-1.0.jar!lib/l2-1.0.jar!lib/l3-1.0.jar!lib/l4-1.0.jar!lib/l5-1.0.jar"
        )
    );
    assert!(d.message.contains("nested 5 levels deep"), "{}", d.message);
}

/// Entries whose headers claim 4 GiB are refused before any byte is inflated; the rest of
/// the archive is still read.
#[test]
fn entry_claiming_a_huge_size() {
    let small = zip_of(&[(
        "META-INF/maven/g/small/pom.properties",
        props_for("g", "small", "1").as_bytes(),
    )]);
    let mut z = zip_of(&[
        ("META-INF/MANIFEST.MF", b"Implementation-Version: 2.0\n"),
        ("WEB-INF/lib/small-1.jar", &small),
    ]);
    patch_declared_size(&mut z, "META-INF/MANIFEST.MF", u32::MAX);
    patch_declared_size(&mut z, "WEB-INF/lib/small-1.jar", u32::MAX);
    let out = run("app-3.0.war", &z);
    assert_eq!(codes(&out), vec!["archive-limit", "archive-limit"]);
    for d in &out.diagnostics {
        assert!(
            d.message.contains("declares 4294967295 bytes"),
            "{}",
            d.message
        );
    }
    assert_eq!(
        out.diagnostics[0].path.as_deref(),
        Some("app-3.0.war!META-INF/MANIFEST.MF")
    );
    // The manifest was skipped, so the version comes from the file name.
    assert_eq!(packages(&out), vec![pkg("app", "3.0", "app-3.0.war")]);
}

/// A zip bomb: a 1 GiB run of zeros (about 1 MiB deflated) as a nested jar. Declared
/// honestly it is refused by its header; with a header lying (1 KiB) inflation stops right
/// after the declared size. Either way: quickly, with a diagnostic.
#[test]
fn zip_bomb() {
    let gib = 1u64 << 30;
    let honest = zeros_zip("WEB-INF/lib/bomb-1.0.jar", gib, &[]);
    assert!(honest.len() < 4 << 20, "{} bytes", honest.len());
    let start = Instant::now();
    let out = run("bomb.war", &honest);
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(
        diag(&out, "archive-limit")
            .message
            .contains(&format!("declares {gib} bytes"))
    );

    let mut lying = honest;
    patch_declared_size(&mut lying, "WEB-INF/lib/bomb-1.0.jar", 1024);
    let start = Instant::now();
    let out = run("bomb.war", &lying);
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
    // The zip reader itself stops at the declared size (a first guard; the analyzer's own
    // `take(limit + 1)` is the second): the entry is reported as lying about its size.
    assert_eq!(codes(&out), vec!["malformed-archive"]);
    let d = diag(&out, "malformed-archive");
    assert_eq!(d.path.as_deref(), Some("bomb.war!WEB-INF/lib/bomb-1.0.jar"));
    assert!(
        d.message
            .contains("larger than its declared uncompressed size"),
        "{}",
        d.message
    );
    assert!(packages(&out).is_empty());
}

/// Many entries each under the per-entry limit still stop at the per-archive inflation
/// budget (small limits here so the test is fast).
#[test]
fn inflation_budget_across_entries() {
    let limits = Limits {
        nested_archive_size: 1 << 20,
        total_inflated: 3 << 20,
        ..Limits::default()
    };
    let blob = vec![0u8; 900 << 10];
    let names: Vec<String> = (0..10).map(|i| format!("lib/x{i}-1.0.jar")).collect();
    let entries: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), blob.as_slice()))
        .collect();
    let out = run_with(
        &JavaArchiveAnalyzer::with_limits(limits),
        "many.jar",
        &zip_of(&entries),
    );
    // x0..x2 are read (and are not zips), x3 crosses the 3 MiB budget: reading stops.
    let c = codes(&out);
    assert_eq!(
        c,
        vec![
            "malformed-archive",
            "malformed-archive",
            "malformed-archive",
            "archive-limit"
        ]
    );
    let d = diag(&out, "archive-limit");
    assert_eq!(d.path.as_deref(), Some("many.jar!lib/x3-1.0.jar"));
    assert!(
        d.message.contains("more than 3145728 bytes inflated"),
        "{}",
        d.message
    );
}

/// More entries than the limit: refused from the end-of-central-directory count.
#[test]
fn too_many_entries() {
    let limits = Limits {
        max_entries: 10,
        ..Limits::default()
    };
    let names: Vec<String> = (0..11).map(|i| format!("f{i}")).collect();
    let entries: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), b"x".as_slice()))
        .collect();
    let out = run_with(
        &JavaArchiveAnalyzer::with_limits(limits),
        "x-1.jar",
        &zip_of(&entries),
    );
    assert_eq!(codes(&out), vec!["archive-limit"]);
    assert!(out.diagnostics[0].message.contains("declares 11 entries"));
    assert!(packages(&out).is_empty());
}

/// Not a zip, a truncated zip, a nested corrupt jar, corrupted deflate data: each a
/// `malformed-archive` diagnostic naming the archive or entry; what is readable is kept.
#[test]
fn corrupt_archives() {
    let out = run("opt/garbage-1.0.jar", b"this is not a zip file at all");
    assert_eq!(codes(&out), vec!["malformed-archive"]);
    assert_eq!(
        out.diagnostics[0].path.as_deref(),
        Some("opt/garbage-1.0.jar")
    );
    assert!(packages(&out).is_empty());
    assert!(out.files.contains_key("opt/garbage-1.0.jar"));

    let good = zip_of(&[(
        "META-INF/maven/g/a/pom.properties",
        props_for("g", "a", "1").as_bytes(),
    )]);
    let out = run("t.jar", &good[..good.len() / 2]);
    assert_eq!(codes(&out), vec!["malformed-archive"]);

    let outer = zip_of(&[
        (
            "META-INF/maven/g/outer/pom.properties",
            props_for("g", "outer", "2").as_bytes(),
        ),
        ("WEB-INF/lib/broken-1.0.jar", b"PK\x03\x04 garbage"),
    ]);
    let out = run("o.war", &outer);
    assert_eq!(codes(&out), vec!["malformed-archive"]);
    assert_eq!(
        out.diagnostics[0].path.as_deref(),
        Some("o.war!WEB-INF/lib/broken-1.0.jar")
    );
    assert_eq!(
        packages(&out),
        vec![pkg(
            "g:outer",
            "2",
            "o.war!META-INF/maven/g/outer/pom.properties"
        )]
    );

    // Flip bytes inside the deflated data of the manifest.
    let text = "Implementation-Version: 1.0\n".repeat(200);
    let mut z = zip_of(&[("META-INF/MANIFEST.MF", text.as_bytes())]);
    let data_at = 30 + "META-INF/MANIFEST.MF".len();
    for b in &mut z[data_at..data_at + 8] {
        *b ^= 0xA5;
    }
    let out = run("d-4.0.jar", &z);
    assert_eq!(codes(&out), vec!["malformed-archive"]);
    assert!(
        out.diagnostics[0].message.contains("unreadable entry"),
        "{}",
        out.diagnostics[0].message
    );
    assert_eq!(packages(&out), vec![pkg("d", "4.0", "d-4.0.jar")]);
}

/// A manifest of binary garbage: one `malformed-manifest` diagnostic; the file name still
/// identifies the jar. A pom.properties without a version: `malformed-pom-properties`.
#[test]
fn garbage_manifest_and_properties() {
    let garbage: Vec<u8> = (0..64 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13).to_le_bytes()[0])
        .collect();
    let z = zip_of(&[
        ("META-INF/MANIFEST.MF", &garbage),
        (
            "META-INF/maven/g/other/pom.properties",
            b"groupId=g\nartifactId=other\n",
        ),
    ]);
    let start = Instant::now();
    let out = run("lib/thing-5.1.jar", &z);
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(
        codes(&out),
        vec!["malformed-manifest", "malformed-pom-properties"]
    );
    assert_eq!(
        out.diagnostics[0].path.as_deref(),
        Some("lib/thing-5.1.jar!META-INF/MANIFEST.MF")
    );
    assert_eq!(
        out.diagnostics[1].path.as_deref(),
        Some("lib/thing-5.1.jar!META-INF/maven/g/other/pom.properties")
    );
    assert_eq!(
        packages(&out),
        vec![pkg("thing", "5.1", "lib/thing-5.1.jar")]
    );
}
