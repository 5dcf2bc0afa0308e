//! Enrichment feeds: what is known about a vulnerability itself.
//!
//! * `nvd` ([`NvdParser`]): NVD CVE API 2.0 JSON — an API page or a yearly `nvdcve-2.0-*.json`
//!   feed file (same shape). Every CVSS metric is kept (v2, v3.0, v3.1, v4.0; NVD's primary
//!   and CNAs' secondary scores, each with its vector), plus CWE ids, the English description
//!   and the publication date. Rejected CVEs are skipped.
//! * `kev` ([`KevParser`]): CISA's Known Exploited Vulnerabilities catalog (JSON).
//! * `epss` ([`EpssParser`]): FIRST's EPSS scores (CSV, `cve,epss,percentile`, with the
//!   `#model_version:...,score_date:...` comment line giving the date).
//!
//! Inputs are untrusted: each is read under a size limit, and a malformed record is an error
//! naming the input (the store keeps the feed's previous data).

use std::io::{BufRead, BufReader, Read};

use customs_feed::{EnrichmentParser, FeedError, FeedInput};
use customs_model::{CvssScore, Epss, Kev, VulnerabilityInfo};
use serde::Deserialize;

/// The largest NVD or KEV input read (a yearly NVD feed is a few hundred MiB uncompressed).
pub const MAX_JSON_INPUT: u64 = 1 << 30;
/// The longest EPSS CSV line.
const MAX_CSV_LINE: usize = 4096;

fn read_limited(input: &FeedInput, body: &mut dyn Read) -> Result<Vec<u8>, FeedError> {
    let mut buf = Vec::new();
    body.take(MAX_JSON_INPUT + 1)
        .read_to_end(&mut buf)
        .map_err(|e| FeedError::io(input, e))?;
    if buf.len() as u64 > MAX_JSON_INPUT {
        return Err(FeedError::Limit {
            kind: input.kind.clone(),
            location: input.location.clone(),
            limit: MAX_JSON_INPUT,
            what: "input size".into(),
        });
    }
    Ok(buf)
}

#[derive(Deserialize)]
struct NvdPage {
    vulnerabilities: Vec<NvdItem>,
}

#[derive(Deserialize)]
struct NvdItem {
    cve: NvdCve,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NvdCve {
    id: String,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    vuln_status: Option<String>,
    #[serde(default)]
    descriptions: Vec<LangValue>,
    #[serde(default)]
    metrics: NvdMetrics,
    #[serde(default)]
    weaknesses: Vec<NvdWeakness>,
}

#[derive(Deserialize)]
struct LangValue {
    lang: String,
    value: String,
}

#[derive(Deserialize, Default)]
struct NvdMetrics {
    #[serde(rename = "cvssMetricV40", default)]
    v40: Vec<NvdMetric>,
    #[serde(rename = "cvssMetricV31", default)]
    v31: Vec<NvdMetric>,
    #[serde(rename = "cvssMetricV30", default)]
    v30: Vec<NvdMetric>,
    #[serde(rename = "cvssMetricV2", default)]
    v2: Vec<NvdMetric>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NvdMetric {
    source: String,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    cvss_data: NvdCvssData,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NvdCvssData {
    version: String,
    vector_string: String,
    base_score: f64,
}

#[derive(Deserialize)]
struct NvdWeakness {
    #[serde(default)]
    description: Vec<LangValue>,
}

/// The `nvd` feed.
#[derive(Debug, Default, Clone, Copy)]
pub struct NvdParser;

impl EnrichmentParser for NvdParser {
    fn kind(&self) -> &'static str {
        "nvd"
    }

    fn description(&self) -> &'static str {
        "NVD CVE API 2.0 records: CVSS v2, v3.x and v4 scores with vectors, CWE ids"
    }

    fn default_locations(&self) -> Vec<String> {
        // The yearly CVE API 2.0 JSON feeds, from 2002 to this year.
        let this_year = jiff::Zoned::now().year();
        (2002..=this_year)
            .map(|y| format!("https://nvd.nist.gov/feeds/json/cve/2.0/nvdcve-2.0-{y}.json.gz"))
            .collect()
    }

    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(VulnerabilityInfo),
    ) -> Result<(), FeedError> {
        let bytes = read_limited(input, body)?;
        let page: NvdPage = serde_json::from_slice(&bytes).map_err(|e| {
            FeedError::malformed(input, format!("not an NVD CVE API 2.0 document: {e}"))
        })?;
        for item in page.vulnerabilities {
            let cve = item.cve;
            if cve.vuln_status.as_deref() == Some("Rejected") {
                continue;
            }
            if !cve.id.starts_with("CVE-") {
                return Err(FeedError::malformed(
                    input,
                    format!("record id {:?} is not a CVE id", cve.id),
                ));
            }
            let m = cve.metrics;
            let cvss = m
                .v40
                .into_iter()
                .chain(m.v31)
                .chain(m.v30)
                .chain(m.v2)
                .filter(|x| (0.0..=10.0).contains(&x.cvss_data.base_score))
                .map(|x| CvssScore {
                    version: x.cvss_data.version,
                    vector: x.cvss_data.vector_string,
                    base_score: x.cvss_data.base_score,
                    primary: x.kind.as_deref() == Some("Primary"),
                    source: x.source,
                })
                .collect();
            let mut cwes: Vec<String> = cve
                .weaknesses
                .into_iter()
                .flat_map(|w| w.description)
                .map(|d| d.value)
                .filter(|v| v.starts_with("CWE-"))
                .collect();
            cwes.sort();
            cwes.dedup();
            emit(VulnerabilityInfo {
                id: cve.id,
                description: cve
                    .descriptions
                    .into_iter()
                    .find(|d| d.lang == "en")
                    .map(|d| d.value),
                published: cve.published,
                cvss,
                cwes,
                kev: None,
                epss: None,
            });
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct KevCatalog {
    vulnerabilities: Vec<KevEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KevEntry {
    #[serde(rename = "cveID")]
    cve_id: String,
    date_added: String,
    #[serde(default)]
    due_date: Option<String>,
    #[serde(default)]
    known_ransomware_campaign_use: Option<String>,
    #[serde(default)]
    required_action: Option<String>,
    #[serde(default)]
    short_description: Option<String>,
}

/// The `kev` feed.
#[derive(Debug, Default, Clone, Copy)]
pub struct KevParser;

impl EnrichmentParser for KevParser {
    fn kind(&self) -> &'static str {
        "kev"
    }

    fn description(&self) -> &'static str {
        "CISA Known Exploited Vulnerabilities catalog"
    }

    fn default_locations(&self) -> Vec<String> {
        vec![
            "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
                .to_owned(),
        ]
    }

    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(VulnerabilityInfo),
    ) -> Result<(), FeedError> {
        let bytes = read_limited(input, body)?;
        let catalog: KevCatalog = serde_json::from_slice(&bytes)
            .map_err(|e| FeedError::malformed(input, format!("not a CISA KEV catalog: {e}")))?;
        for e in catalog.vulnerabilities {
            if !e.cve_id.starts_with("CVE-") {
                return Err(FeedError::malformed(
                    input,
                    format!("cveID {:?} is not a CVE id", e.cve_id),
                ));
            }
            emit(VulnerabilityInfo {
                id: e.cve_id,
                description: e.short_description,
                kev: Some(Kev {
                    date_added: e.date_added,
                    due_date: e.due_date,
                    known_ransomware_campaign_use: e.known_ransomware_campaign_use,
                    required_action: e.required_action,
                }),
                ..VulnerabilityInfo::default()
            });
        }
        Ok(())
    }
}

/// The `epss` feed.
#[derive(Debug, Default, Clone, Copy)]
pub struct EpssParser;

impl EnrichmentParser for EpssParser {
    fn kind(&self) -> &'static str {
        "epss"
    }

    fn description(&self) -> &'static str {
        "FIRST EPSS: probability of exploitation in the next 30 days"
    }

    fn default_locations(&self) -> Vec<String> {
        vec!["https://epss.cyentia.com/epss_scores-current.csv.gz".to_owned()]
    }

    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(VulnerabilityInfo),
    ) -> Result<(), FeedError> {
        let mut reader = BufReader::new(body);
        let mut line = String::new();
        let mut date = None;
        let mut lineno = 0usize;
        let mut header_seen = false;
        loop {
            line.clear();
            let n = (&mut reader)
                .take(MAX_CSV_LINE as u64 + 1)
                .read_line(&mut line)
                .map_err(|e| FeedError::io(input, e))?;
            if n == 0 {
                break;
            }
            lineno += 1;
            if n > MAX_CSV_LINE {
                return Err(FeedError::malformed(
                    input,
                    format!("line {lineno} is longer than {MAX_CSV_LINE} bytes"),
                ));
            }
            let l = line.trim_end_matches(['\n', '\r']);
            if let Some(comment) = l.strip_prefix('#') {
                date = comment
                    .split(',')
                    .find_map(|kv| kv.strip_prefix("score_date:"))
                    .map(|d| d.get(..10).unwrap_or(d).to_owned());
                continue;
            }
            if l.is_empty() {
                continue;
            }
            if !header_seen {
                if l != "cve,epss,percentile" {
                    return Err(FeedError::malformed(
                        input,
                        format!(
                            "line {lineno}: expected the header cve,epss,percentile, got {l:?}"
                        ),
                    ));
                }
                header_seen = true;
                continue;
            }
            let mut f = l.split(',');
            let (Some(cve), Some(score), Some(pct), None) =
                (f.next(), f.next(), f.next(), f.next())
            else {
                return Err(FeedError::malformed(
                    input,
                    format!("line {lineno}: expected 3 fields"),
                ));
            };
            let num = |s: &str| s.parse::<f64>().ok().filter(|x| (0.0..=1.0).contains(x));
            let (Some(score), Some(percentile)) = (num(score), num(pct)) else {
                return Err(FeedError::malformed(
                    input,
                    format!("line {lineno}: scores must be numbers in [0, 1]"),
                ));
            };
            if !cve.starts_with("CVE-") {
                return Err(FeedError::malformed(
                    input,
                    format!("line {lineno}: {cve:?} is not a CVE id"),
                ));
            }
            emit(VulnerabilityInfo {
                id: cve.to_owned(),
                epss: Some(Epss {
                    score,
                    percentile,
                    date: date.clone(),
                }),
                ..VulnerabilityInfo::default()
            });
        }
        if !header_seen {
            return Err(FeedError::malformed(input, "no cve,epss,percentile header"));
        }
        Ok(())
    }
}
