//! SPDX 2.3 JSON: the image as the described package, `CONTAINS` every package found in it,
//! each with its purl as a `PACKAGE-MANAGER` external reference. Licences are kept as the
//! package manager wrote them only in `licenseComments`: they are often not valid SPDX
//! expressions, and a document with an invalid `licenseDeclared` fails validation, so the
//! declared licence is `NOASSERTION`.

use std::fmt::Write as _;
use std::io::{self, Write};

use customs_model::Report;
use serde_json::{Value, json};

use crate::common::{stable_uuid, timestamp};

/// SPDX ids allow letters, digits, `.` and `-`.
fn spdx_id(raw: &str) -> String {
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

pub fn write_spdx(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let a = &report.artifact;
    let image_id = "SPDXRef-Image".to_owned();
    let mut packages = vec![json!({
        "SPDXID": image_id,
        "name": a.name,
        "versionInfo": a.digest.to_string(),
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "CONTAINER",
        "checksums": [{
            "algorithm": "SHA256",
            "checksumValue": a.digest.to_string().trim_start_matches("sha256:"),
        }],
    })];
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": image_id,
    })];
    for p in &report.packages {
        let id = spdx_id(&format!("SPDXRef-Package-{}-{}", p.ecosystem, p.id));
        let mut source = format!("found in {}", p.found_in);
        if let Some(l) = &p.layer_diff_id {
            let _ = write!(source, " (layer {l})");
        }
        let mut pkg = json!({
            "SPDXID": id,
            "name": p.name,
            "versionInfo": p.version,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "sourceInfo": source,
            "externalRefs": [{
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": p.purl.as_str(),
            }],
        });
        if !p.licenses.is_empty() {
            pkg["licenseComments"] = json!(format!(
                "declared by the package: {}",
                p.licenses.join(", ")
            ));
        }
        if let Some(src) = &p.source_name {
            pkg["comment"] = json!(format!("source package: {src}"));
        }
        packages.push(pkg);
        relationships.push(json!({
            "spdxElementId": image_id,
            "relationshipType": "CONTAINS",
            "relatedSpdxElement": id,
        }));
    }
    let doc: Value = json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": a.name,
        "documentNamespace": format!("https://customs-scanner.github.io/spdx/{}", stable_uuid(report, "spdx")),
        "creationInfo": {
            "created": timestamp(),
            "creators": [format!("Tool: customs-{}", report.customs_version)],
        },
        "packages": packages,
        "relationships": relationships,
    });
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    out.write_all(b"\n")
}
