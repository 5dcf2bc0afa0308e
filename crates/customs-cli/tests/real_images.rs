//! Every real image tarball and layout in ../shared/data/images: each either scans or fails
//! with a clear, expected error — never a panic.

mod common;

use common::{Sandbox, shared};

#[test]
fn real_images_scan_or_fail_cleanly() {
    let sb = Sandbox::new();
    sb.update(&[(
        "debian-dsa",
        &shared("feeds/debian/tracker-json-sample/DSA.list-sample"),
    )]);
    // (path under images/, expected exit code, a substring of the error or of the report)
    let cases: &[(&str, i32, &str)] = &[
        (
            "go-containerregistry/tarball-hello-world-v25.tar",
            0,
            "COPY hello / # buildkit",
        ),
        (
            "go-containerregistry/mutate-overwritten_file.tar",
            0,
            "\"layers\"",
        ),
        (
            "go-containerregistry/mutate-source_image.tar",
            0,
            "\"layers\"",
        ),
        (
            "go-containerregistry/mutate-whiteout_dir.tar",
            0,
            "\"layers\"",
        ),
        (
            "go-containerregistry/mutate-whiteout_image.tar",
            0,
            "\"layers\"",
        ),
        (
            "go-containerregistry/tarball-test_bundle.tar",
            0,
            "\"layers\"",
        ),
        (
            "go-containerregistry/tarball-test_image_1.tar",
            0,
            "\"layers\"",
        ),
        (
            "go-containerregistry/tarball-test_image_2.tar",
            0,
            "\"layers\"",
        ),
        (
            "go-containerregistry/tarball-test_link.tar",
            0,
            "\"layers\"",
        ),
        (
            "go-containerregistry/tarball-test_load_manifest.tar",
            0,
            "\"layers\"",
        ),
        // The fixture's config was edited after it was named by its digest.
        (
            "go-containerregistry/mutate-source_image_with_empty_layer_history.tar",
            65,
            "digest mismatch",
        ),
        (
            "go-containerregistry/tarball-content.tar",
            65,
            "no manifest.json",
        ),
        (
            "go-containerregistry/tarball-no_manifest.tar",
            65,
            "no manifest.json",
        ),
        (
            "go-containerregistry/tarball-null_manifest.tar",
            65,
            "lists no image",
        ),
        (
            "go-containerregistry/layout-testdata/test_index_one_image",
            0,
            "\"layers\"",
        ),
        (
            "go-containerregistry/layout-testdata/test_index",
            65,
            "choose one with oci:PATH:TAG",
        ),
        (
            "go-containerregistry/layout-testdata/test_gc_image_unknown_mediatype",
            65,
            "blob missing",
        ),
        ("stereoscope/oci-testdata/valid_oci_dir", 0, "\"layers\""),
        (
            "stereoscope/oci-testdata/multiplatform_oci_dir",
            0,
            "\"layers\"",
        ),
        (
            "stereoscope/oci-testdata/valid-oci.tar",
            0,
            "\"name\": \"oci-archive:",
        ),
        (
            "stereoscope/oci-testdata/invalid_file",
            65,
            "without an oci-layout",
        ),
        (
            "stereoscope/docker-testdata/empty-file",
            65,
            "not a container image",
        ),
        (
            "stereoscope/docker-testdata/engine-config.json",
            65,
            "not a valid tar archive",
        ),
        ("trivy/alpine-310.tar.gz", 65, "compressed archive"),
        ("trivy/test.oci", 0, "\"layers\""),
        ("trivy/test_image_tag.oci", 0, "\"layers\""),
    ];
    let mut failures = Vec::new();
    for (rel, code, needle) in cases {
        let path = shared(&format!("images/{rel}"));
        let out = sb.run(&["scan", "-q", "-f", "json", path.to_str().unwrap()]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let ok = out.status.code() == Some(*code)
            && !stderr.contains("panicked")
            && (stdout.contains(needle) || stderr.contains(needle));
        if !ok {
            failures.push(format!(
                "{rel}: exit {:?}, stderr {stderr}",
                out.status.code()
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
