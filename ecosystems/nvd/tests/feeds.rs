//! The enrichment parsers on real inputs (vunnel's NVD API 2.0 page, claircore's KEV and
//! EPSS samples), checked against an independent reading, and on hostile inputs.

use customs_feed::{EnrichmentParser, FeedInput};
use customs_model::VulnerabilityInfo;
use customs_nvd::{EpssParser, KevParser, NvdParser};
use serde_json::Value;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

fn run(parser: &dyn EnrichmentParser, bytes: &[u8]) -> Result<Vec<VulnerabilityInfo>, String> {
    let input = FeedInput {
        kind: parser.kind().into(),
        location: "test-input".into(),
        file_name: "test-input".into(),
    };
    let mut out = Vec::new();
    let mut body = bytes;
    parser
        .parse(&input, &mut body, &mut |v| out.push(v))
        .map_err(|e| e.to_string())?;
    Ok(out)
}

#[test]
fn nvd_page_keeps_every_cvss_metric_and_cwe() {
    let bytes = std::fs::read(format!("{DATA}/feeds/nvd/nvd-api2-full-page.json")).unwrap();
    let got = run(&NvdParser, &bytes).unwrap();
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    let items = doc["vulnerabilities"].as_array().unwrap();
    let live: Vec<&Value> = items
        .iter()
        .filter(|i| i["cve"]["vulnStatus"] != "Rejected")
        .collect();
    assert_eq!(got.len(), live.len());
    assert!(got.len() > 30);
    for (info, item) in got.iter().zip(&live) {
        let cve = &item["cve"];
        assert_eq!(info.id, cve["id"].as_str().unwrap());
        let metrics: usize = [
            "cvssMetricV40",
            "cvssMetricV31",
            "cvssMetricV30",
            "cvssMetricV2",
        ]
        .iter()
        .map(|k| cve["metrics"][k].as_array().map_or(0, Vec::len))
        .sum();
        assert_eq!(info.cvss.len(), metrics, "{}", info.id);
        for c in &info.cvss {
            assert!(c.vector.contains(':') && (0.0..=10.0).contains(&c.base_score));
        }
        let cwes: std::collections::BTreeSet<&str> = cve["weaknesses"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|w| w["description"].as_array().unwrap())
            .filter_map(|d| d["value"].as_str())
            .filter(|v| v.starts_with("CWE-"))
            .collect();
        assert_eq!(
            info.cwes
                .iter()
                .map(String::as_str)
                .collect::<std::collections::BTreeSet<_>>(),
            cwes
        );
    }
    // The first record: NVD's own v3.1 score is the preferred one.
    let first = &got[0];
    let best = first.preferred_cvss().unwrap();
    assert!(best.primary, "{best:?}");
    assert_eq!(best.source, "nvd@nist.gov");
}

#[test]
fn kev_and_epss_samples() {
    let kev = run(
        &KevParser,
        &std::fs::read(format!("{DATA}/feeds/nvd/cisa-kev-sample.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(kev.len(), 2);
    assert_eq!(kev[0].id, "CVE-2017-3066");
    let k = kev[0].kev.as_ref().unwrap();
    assert_eq!(k.date_added, "2025-02-24");
    assert!(k.due_date.is_some());

    let text = std::fs::read_to_string(format!("{DATA}/feeds/nvd/epss-sample.csv")).unwrap();
    let epss = run(&EpssParser, text.as_bytes()).unwrap();
    let rows = text.lines().filter(|l| l.starts_with("CVE-")).count();
    assert_eq!(epss.len(), rows);
    let e = epss[0].epss.as_ref().unwrap();
    assert_eq!(epss[0].id, "CVE-1999-0005");
    assert!((e.score - 0.91963).abs() < 1e-9 && (e.percentile - 0.99030).abs() < 1e-9);
    assert_eq!(e.date.as_deref(), Some("2024-10-25"));
}

#[test]
fn hostile_inputs_name_the_input() {
    for (parser, bytes, want) in [
        (
            &NvdParser as &dyn EnrichmentParser,
            &b"{\"vulnerabilities\": 3}"[..],
            "not an NVD",
        ),
        (
            &NvdParser,
            b"{\"vulnerabilities\":[{\"cve\":{\"id\":\"../../x\"}}]}",
            "not a CVE id",
        ),
        (&KevParser, b"[1,2,3]", "not a CISA KEV catalog"),
        (
            &EpssParser,
            b"cve,score\nCVE-1,0.1\n",
            "expected the header",
        ),
        (
            &EpssParser,
            b"cve,epss,percentile\nCVE-1,2.5,0.1\n",
            "in [0, 1]",
        ),
        (
            &EpssParser,
            b"cve,epss,percentile\nCVE-1,0.5\n",
            "expected 3 fields",
        ),
        (&EpssParser, b"", "no cve,epss,percentile header"),
    ] {
        let err = run(parser, bytes).unwrap_err();
        assert!(err.starts_with("test-input: "), "{err}");
        assert!(err.contains(want), "{err} / {want}");
    }
    let long = format!("cve,epss,percentile\n{}\n", "9".repeat(10_000));
    assert!(
        run(&EpssParser, long.as_bytes())
            .unwrap_err()
            .contains("longer than")
    );
    let deep = format!("{{\"vulnerabilities\":{}", "[".repeat(100_000));
    assert!(run(&NvdParser, deep.as_bytes()).is_err());
}
