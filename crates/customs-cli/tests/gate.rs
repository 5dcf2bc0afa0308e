//! The CI gate and suppression through the real binary: `--fail-on`, `--exit-code`,
//! `--ignore-status`, `.customsignore`, `--vex`, `--show-suppressed`, and every report format
//! written by the CLI, on an image with old Python packages matched against the real `PyPA`
//! advisory database (OSV).

mod common;

use std::sync::OnceLock;

use common::{Sandbox, python_metadata, shared};
use customs_testkit::{ImageBuilder, Layer};
use serde_json::Value;

/// One sandbox with the `PyPA` database and the image, shared by the tests (the update takes a
/// few seconds).
fn fixture() -> &'static (Sandbox, String) {
    static F: OnceLock<(Sandbox, String)> = OnceLock::new();
    F.get_or_init(|| {
        let sb = Sandbox::new();
        sb.update(&[("osv", &shared("feeds/osv/pypa-advisory-database.tar.zst"))]);
        let site = "usr/lib/python3/site-packages";
        let built = ImageBuilder::new()
            .layer(
                Layer::new()
                    .file(
                        format!("{site}/urllib3-1.23.dist-info/METADATA"),
                        python_metadata("urllib3", "1.23"),
                        0o644,
                    )
                    .file(
                        format!("{site}/requests-2.19.1.dist-info/METADATA"),
                        python_metadata("requests", "2.19.1"),
                        0o644,
                    )
                    .created_by("RUN pip install requests==2.19.1 urllib3==1.23"),
            )
            .build()
            .unwrap();
        let layout = sb.path("inputs/oci");
        built.write_oci_layout(&layout, Some("py")).unwrap();
        let image = format!("oci:{}:py", layout.display());
        (sb, image)
    })
}

fn scan(args: &[&str]) -> (i32, Value, String) {
    let (sb, image) = fixture();
    let mut all = vec!["scan", "-q", "--no-cache", "-f", "json", image.as_str()];
    all.extend_from_slice(args);
    let out = sb.run(&all);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap(), json, stderr)
}

fn ids(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["package"].as_str().unwrap(),
                f["vulnerability_id"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn fail_on_and_exit_code() {
    let (code, report, _) = scan(&[]);
    assert_eq!(code, 0, "no gate asked");
    let all = ids(&report);
    assert!(
        all.contains(&"requests:CVE-2018-18074".to_owned()),
        "{all:?}"
    );
    assert!(
        all.contains(&"urllib3:CVE-2023-43804".to_owned()),
        "{all:?}"
    );
    // One finding per vulnerability per package: the PYSEC and GHSA records are aliases.
    let mut unique = all.clone();
    unique.dedup();
    assert_eq!(unique, all);
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["vulnerability_id"] == "CVE-2018-18074")
        .unwrap();
    assert_eq!(
        f["aliases"],
        serde_json::json!(["GHSA-x84v-xcm2-53pg", "PYSEC-2018-28"])
    );

    assert_eq!(scan(&["--fail-on", "high"]).0, 2, "a high finding remains");
    assert_eq!(scan(&["--fail-on", "critical"]).0, 0, "nothing critical");
    assert_eq!(scan(&["--fail-on", "high", "--exit-code", "7"]).0, 7);
    assert_eq!(scan(&["--exit-code", "3"]).0, 3);
    let (code, report, _) = scan(&["--ignore-status", "fixed", "--exit-code", "3"]);
    assert_eq!(
        (code, ids(&report).len()),
        (0, 0),
        "every finding here has a fix"
    );
}

#[test]
fn ignore_file_and_vex_suppress_with_reasons() {
    let (sb, _) = fixture();
    let ignore = sb.path("inputs/ignore");
    std::fs::write(
        &ignore,
        "# accepted risks\nCVE-2023-43804 package=urllib3 reason=\"not reachable from our code\"\n\
         CVE-2018-18074 expires=2020-01-01\n",
    )
    .unwrap();
    let vex = sb.path("inputs/vex.json");
    std::fs::write(
        &vex,
        r#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"x","author":"t","timestamp":"2026-01-01T00:00:00Z","version":1,
           "statements":[{"vulnerability":{"name":"GHSA-g4mx-q9vg-27p4"},"products":[{"@id":"pkg:pypi/urllib3@1.23"}],
           "status":"not_affected","justification":"vulnerable_code_not_in_execute_path"}]}"#,
    )
    .unwrap();
    let (code, report, stderr) = scan(&[
        "--ignore-file",
        ignore.to_str().unwrap(),
        "--vex",
        vex.to_str().unwrap(),
        "--show-suppressed",
        "--fail-on",
        "high",
    ]);
    assert_eq!(code, 0, "the only high finding is suppressed: {stderr}");
    let all = ids(&report);
    assert!(!all.contains(&"urllib3:CVE-2023-43804".to_owned()));
    assert!(
        !all.contains(&"urllib3:CVE-2023-45803".to_owned()),
        "VEX by alias"
    );
    assert!(
        all.contains(&"requests:CVE-2018-18074".to_owned()),
        "expired rule"
    );
    assert!(stderr.contains("has expired"), "{stderr}");
    let suppressed = report["suppressed"].as_array().unwrap();
    let reasons: Vec<(&str, &str)> = suppressed
        .iter()
        .map(|s| {
            (
                s["finding"]["vulnerability_id"].as_str().unwrap(),
                s["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        reasons.contains(&("CVE-2023-43804", "not reachable from our code")),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&(
            "CVE-2023-45803",
            "VEX: not_affected (vulnerable_code_not_in_execute_path)"
        )),
        "{reasons:?}"
    );
    // Without --show-suppressed they are gone from the report, not listed.
    let (_, report, _) = scan(&["--ignore-file", ignore.to_str().unwrap()]);
    assert!(report.get("suppressed").is_none());

    // ./.customsignore is read by default (in a working directory of its own: the other
    // tests share this sandbox and run in parallel).
    let (_, image) = fixture();
    let cwd = sb.path("work-default-ignore");
    std::fs::create_dir_all(&cwd).unwrap();
    std::fs::write(cwd.join(".customsignore"), "CVE-2023-43804\n").unwrap();
    let out = sb
        .cmd()
        .current_dir(&cwd)
        .args([
            "scan",
            "-q",
            "--no-cache",
            "-f",
            "json",
            image.as_str(),
            "--fail-on",
            "high",
        ])
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert_eq!(code, 0);
}

#[test]
fn bad_policy_files_fail_clearly() {
    let (sb, _) = fixture();
    let ignore = sb.path("inputs/bad-ignore");
    std::fs::write(&ignore, "CVE-1\nCVE-2 until=tomorrow\n").unwrap();
    let (code, _, stderr) = scan(&["--ignore-file", ignore.to_str().unwrap()]);
    assert_eq!(code, 78, "{stderr}");
    assert!(
        stderr.contains("customs: error:") && stderr.contains("line 2"),
        "{stderr}"
    );
    let (code, _, stderr) = scan(&["--vex", sb.path("inputs/nope.json").to_str().unwrap()]);
    assert_eq!(code, 66, "{stderr}");
    let vex = sb.path("inputs/bad-vex.json");
    std::fs::write(&vex, "{\"hello\": 1}").unwrap();
    let (code, _, stderr) = scan(&["--vex", vex.to_str().unwrap()]);
    assert_eq!(code, 65, "{stderr}");
    assert!(stderr.contains("bad-vex.json"), "{stderr}");
}

#[test]
fn every_format_from_the_cli() {
    let (sb, image) = fixture();
    for (format, check) in [
        ("sarif", "\"ruleId\": \"CVE-2018-18074\""),
        ("cyclonedx", "\"specVersion\": \"1.6\""),
        ("spdx-json", "pkg:pypi/urllib3@1.23"),
        ("junit", "<testsuites"),
        ("html", "<svg "),
        ("gitlab", "\"container_scanning\""),
        ("table", "CVE-2018-18074"),
    ] {
        let out = sb.run(&[
            "scan",
            "-q",
            "--no-cache",
            "-f",
            format,
            image,
            "--fail-on",
            "high",
        ]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{format}: the gate applies to every format"
        );
        assert!(text.contains(check), "{format}: {text}");
    }
    let out = sb.run(&[
        "scan",
        "-q",
        "--no-cache",
        "-f",
        "table",
        image,
        "--list-all-pkgs",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Packages: 2") && text.contains("requests-2.19.1.dist-info/METADATA"),
        "{text}"
    );
}

#[test]
fn explain_shows_the_deciding_record_and_dismissals() {
    let (sb, image) = fixture();
    let run = |args: &[&str]| {
        let out = sb.run(args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(&["explain", "CVE-2018-18074", image, "--no-cache"]);
    assert!(text.starts_with("CVE-2018-18074: REPORTED"), "{text}");
    assert!(text.contains("record    PYSEC-2018-28 from osv"), "{text}");
    assert!(
        text.contains("verdict   affected: 0 <= 2.19.1 < 2.20.0 (pep440)"),
        "{text}"
    );
    // Fixed long before 2.19.1: a candidate, dismissed, and why.
    let text = run(&["explain", "CVE-2014-1829", image, "--no-cache"]);
    assert!(text.starts_with("CVE-2014-1829: not reported"), "{text}");
    assert!(
        text.contains("range     introduced 0, fixed 2.3.0 (pep440)"),
        "{text}"
    );
    assert!(text.contains("verdict   not affected:"), "{text}");
    // By alias, as JSON.
    let json: Value = serde_json::from_str(&run(&[
        "explain",
        "GHSA-x84v-xcm2-53pg",
        image,
        "-f",
        "json",
    ]))
    .unwrap();
    assert_eq!(json[0]["record_id"], "PYSEC-2018-28");
    assert_eq!(json[0]["deciding"], true);
    // Nothing names it: says so, and what to check.
    let text = run(&["explain", "CVE-1999-0001", image]);
    assert!(
        text.contains("no record in the database names it"),
        "{text}"
    );
}

#[test]
fn remediation_names_the_upgrade_that_fixes_everything() {
    let (sb, image) = fixture();
    let (_, report, _) = scan(&[]);
    let upgrades = report["remediation"]["upgrades"].as_array().unwrap();
    for pkg in ["requests", "urllib3"] {
        let u = upgrades.iter().find(|u| u["package"] == pkg).unwrap();
        let to = u["fixed_version"].as_str().unwrap();
        let fixes: Vec<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["package"] == pkg && f["status"] == "fixed")
            .map(|f| f["fixed_version"].as_str().unwrap())
            .collect();
        assert_eq!(u["removes"].as_u64(), Some(fixes.len() as u64));
        assert!(fixes.contains(&to));
        // No fix is newer than the proposed upgrade (PEP 440 order, checked with the
        // differential-tested comparator).
        for f in fixes {
            let out = sb.run(&["version", "compare", "--scheme", "pep440", f, to]);
            let ord = String::from_utf8(out.stdout).unwrap();
            assert!(ord.trim() != "1", "{pkg}: {f} > {to}");
        }
    }
    let out = sb.run(&["scan", "-q", "--no-cache", image]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("Fix first"), "{table}");
}
