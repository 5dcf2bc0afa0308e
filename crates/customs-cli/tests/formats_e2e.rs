//! Every report format rendered from a real multi-layer image with OS and language findings:
//! a debootstrapped Debian 12 base (matched against Debian's real bookworm OVAL) and a layer
//! of Python packages (matched against the real `PyPA` database). The interchange formats go
//! through their validators (scripts/report-validators), and the HTML report is opened in
//! headless Chromium (Debian's `chromium`) and its screenshot checked to be non-blank.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use common::{Sandbox, python_metadata, shared};
use customs_testkit::{ImageBuilder, Layer, debian_rootfs};

fn validate(format: &str, file: &Path) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/report-validators");
    let python = dir.join(".venv/bin/python");
    assert!(
        python.exists(),
        "report validators are not installed: run scripts/report-validators/setup (CI does)"
    );
    let out = Command::new(python)
        .arg(dir.join("validate.py"))
        .arg(format)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{format}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Distinct colours in a PNG (a blank page has one).
fn colours(png_path: &Path) -> usize {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_path).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = info.color_type.samples();
    buf[..info.buffer_size()]
        .chunks(px)
        .map(<[u8]>::to_vec)
        .collect::<HashSet<_>>()
        .len()
}

#[test]
fn every_format_renders_a_real_image_with_os_and_language_findings() {
    let rootfs = debian_rootfs("bookworm").expect("debootstrap bookworm");
    let sb = Sandbox::new();
    sb.update(&[
        (
            "debian-oval",
            &shared("feeds/debian/oval/oval-definitions-bookworm.xml.bz2"),
        ),
        ("osv", &shared("feeds/osv/pypa-advisory-database.tar.zst")),
    ]);
    let site = "usr/local/lib/python3.11/dist-packages";
    let built = ImageBuilder::new()
        .layer(Layer::from_dir(&rootfs).created_by("debootstrap --variant=minbase bookworm"))
        .layer(
            Layer::new()
                .file(
                    format!("{site}/requests-2.19.1.dist-info/METADATA"),
                    python_metadata("requests", "2.19.1"),
                    0o644,
                )
                .file(
                    format!("{site}/urllib3-1.23.dist-info/METADATA"),
                    python_metadata("urllib3", "1.23"),
                    0o644,
                )
                .created_by("RUN pip install requests==2.19.1 urllib3==1.23"),
        )
        .build()
        .unwrap();
    let out_dir = sb.path("inputs");
    let layout = out_dir.join("oci");
    built.write_oci_layout(&layout, Some("app")).unwrap();
    let image = format!("oci:{}:app", layout.display());

    let report = sb.scan_json(&image);
    let findings = report["findings"].as_array().unwrap();
    let layers: HashSet<&str> = findings
        .iter()
        .filter_map(|f| f["layer_diff_id"].as_str())
        .collect();
    assert_eq!(layers.len(), 2, "findings in both layers");
    assert!(findings.iter().any(|f| f["data_source"] == "debian-oval"));
    assert!(findings.iter().any(|f| f["data_source"] == "osv"));

    for (format, ext) in [
        ("sarif", "json"),
        ("cyclonedx", "json"),
        ("spdx-json", "json"),
        ("junit", "xml"),
        ("gitlab", "json"),
        ("html", "html"),
        ("table", "txt"),
    ] {
        let file = out_dir.join(format!("report-{format}.{ext}"));
        let out = sb.run(&[
            "scan",
            "-q",
            "-f",
            format,
            "-o",
            file.to_str().unwrap(),
            "--fail-on",
            "critical",
            &image,
        ]);
        assert!(
            matches!(out.status.code(), Some(0 | 2)),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.contains("requests"),
            "{format} names the Python finding"
        );
        if format != "html" && format != "table" {
            validate(format, &file);
        }
    }
    let table = std::fs::read_to_string(out_dir.join("report-table.txt")).unwrap();
    assert!(table.contains("RUN pip install requests") && table.contains("debootstrap"));

    // The HTML in a real browser: headless Chromium takes a screenshot; a rendered report has
    // text, tables and severity colours, a blank page one colour.
    let chromium = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("chromium is not installed: apt-get install chromium (.ci/run does)");
    let shot = out_dir.join("report.png");
    let html = out_dir.join("report-html.html");
    let status = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .arg("--window-size=1200,900")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("--user-data-dir={}", sb.path("chromium").display()))
        .arg(format!("file://{}", html.display()))
        .env("HOME", sb.path("home"))
        .output()
        .unwrap();
    assert!(
        shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let n = colours(&shot);
    assert!(n > 20, "the screenshot looks blank ({n} colours)");
}
