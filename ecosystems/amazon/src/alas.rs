//! The ALAS advisory pages (`amazon-alas`).
//!
//! A page such as `https://alas.aws.amazon.com/AL2/ALAS-2018-939.html` is generated HTML
//! with stable element ids; only these parts are read:
//!
//! | part                                           | gives                                  |
//! |------------------------------------------------|----------------------------------------|
//! | `<h1 id='ALAS2-2018-949'>…</h1>`               | the unique advisory id (`advisory_ids`) |
//! | `<b>Amazon Linux 2 Security Advisory:</b> ALAS-2018-949` | the release (namespace) and the id vunnel names it by (`record_id`) |
//! | `<div id='severity'>… Important<br />`         | severity: critical, important → high, medium, low |
//! | `<div id='references'>` links `CVE-…`          | the vulnerabilities (one advisory each) |
//! | `<div id='new_packages'><pre>ARCH:<br />NAME-VERSION-RELEASE.ARCH<br />…` | the fixed binary packages |
//!
//! Decisions:
//! - One advisory per (CVE, package name) over every architecture section, `src:` included
//!   (as vunnel's `FixedIn` does: `vim` appears only as `vim-…src` in ALAS-2021-001). The
//!   pages list binary rpms and the source rpm, so the matcher looks packages up by binary
//!   name and by source name.
//! - The pages write versions without the epoch (`bind-9.11.4-26.P2.amzn2.5.2`); the matcher
//!   reads a missing epoch as "the installed package's epoch" (see `matcher`).
//! - An advisory without CVE references is recorded under its ALAS id.
//! - Namespaces: `Amazon Linux 2` → `amzn:2`, `Amazon Linux 2022` → `amzn:2022`,
//!   `Amazon Linux 2023` → `amzn:2023`, `Amazon Linux AMI` (Amazon Linux 1) → `amzn:1`.
//! - The HTML is not well-formed XML (`&#169` without `;`), so it is scanned as text: the
//!   markers above are searched for, tags stripped, and nothing is evaluated.

use std::io::Read;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::{Advisory, AffectedRange, Severity, Status};

/// The feed kind.
pub const KIND: &str = "amazon-alas";
/// Real pages are 10–60 KiB (kernel advisories list a few hundred packages); 4 MiB is far
/// beyond any.
pub const MAX_BYTES: u64 = 4 << 20;
/// The most packages one page may list.
const MAX_PACKAGES: usize = 20_000;

/// The RSS index of each release (no fixed versions: see [`advisory_links`]). The default
/// locations read them as `rss:` index locations (see `customs_feed::index`).
pub const RSS_FEEDS: [&str; 4] = [
    "https://alas.aws.amazon.com/alas.rss",
    "https://alas.aws.amazon.com/AL2/alas.rss",
    "https://alas.aws.amazon.com/AL2022/alas.rss",
    "https://alas.aws.amazon.com/AL2023/alas.rss",
];

/// Parses ALAS advisory pages. A unit struct: construct it as `AmazonAlasParser`.
#[derive(Debug, Default, Clone, Copy)]
pub struct AmazonAlasParser;

impl FeedParser for AmazonAlasParser {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn description(&self) -> &'static str {
        "Amazon Linux ALAS advisory pages, found through each release's RSS feed (fixed binary rpms per advisory; AL1, AL2, AL2022, AL2023)"
    }

    /// The four RSS feeds ([`RSS_FEEDS`]) as `rss:` index locations: the fetcher reads each
    /// feed and then every advisory page its items link to (on alas.aws.amazon.com). A
    /// directory or archive of pages (`--feed amazon-alas=PATH`) works too.
    fn default_locations(&self) -> Vec<String> {
        RSS_FEEDS.iter().map(|u| format!("rss:{u}")).collect()
    }

    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(Advisory),
    ) -> Result<(), FeedError> {
        let mut bytes = Vec::new();
        body.take(MAX_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| FeedError::io(input, e))?;
        if bytes.len() as u64 > MAX_BYTES {
            return Err(FeedError::Limit {
                kind: input.kind.clone(),
                location: input.location.clone(),
                limit: MAX_BYTES,
                what: "bytes in one ALAS page".into(),
            });
        }
        let text = std::str::from_utf8(&bytes)
            .map_err(|e| FeedError::malformed(input, format!("not UTF-8: {e}")))?;
        for a in parse_page(text).map_err(|m| FeedError::malformed(input, m))? {
            emit(a);
        }
        Ok(())
    }
}

/// The page URLs an ALAS RSS feed lists (`<link>` of each `<item>`), as the `rss:` index
/// reader reads them (`customs_feed::index::rss_links`), keeping the `https://alas.aws.amazon.com/…
/// .html` ones. An unreadable feed lists nothing.
pub fn advisory_links(rss: &str) -> Vec<String> {
    customs_feed::index::rss_links(rss.as_bytes(), customs_feed::DEFAULT_MAX_INDEX_LINKS)
        .unwrap_or_default()
        .into_iter()
        .filter(|link| {
            link.starts_with("https://alas.aws.amazon.com/")
                && std::path::Path::new(link)
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("html"))
        })
        .collect()
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}

/// The text of an HTML fragment: tags removed, `&nbsp;` as a space, whitespace collapsed.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The namespace of a release label (`Amazon Linux 2023`).
pub fn namespace(label: &str) -> Option<&'static str> {
    match label.trim() {
        "Amazon Linux 2" => Some("amzn:2"),
        "Amazon Linux 2022" => Some("amzn:2022"),
        "Amazon Linux 2023" => Some("amzn:2023"),
        "Amazon Linux AMI" | "Amazon Linux" | "Amazon Linux 1" => Some("amzn:1"),
        _ => None,
    }
}

fn severity(s: &str) -> Severity {
    match s.trim().to_ascii_lowercase().as_str() {
        "critical" => Severity::Critical,
        "important" | "high" => Severity::High,
        "medium" | "moderate" => Severity::Medium,
        "low" => Severity::Low,
        _ => Severity::Unknown,
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.starts_with("ALAS")
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Splits `NAME-VERSION-RELEASE.ARCH` into `(NAME, VERSION-RELEASE)`.
pub fn split_nevra(nevra: &str) -> Option<(&str, &str)> {
    let (nvr, arch) = nevra.rsplit_once('.')?;
    if arch.is_empty() || !arch.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    let (nv, release) = nvr.rsplit_once('-')?;
    let (name, version) = nv.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || release.is_empty() {
        return None;
    }
    Some((name, &nvr[name.len() + 1..]))
}

/// Reads one page into advisories.
pub fn parse_page(html: &str) -> Result<Vec<Advisory>, String> {
    const LABEL_END: &str = " Security Advisory:</b>";
    let label_at = html
        .find(LABEL_END)
        .ok_or("no \"Security Advisory:\" label: not an ALAS page")?;
    let label_start = html[..label_at]
        .rfind("<b>")
        .ok_or("malformed advisory label")?
        + 3;
    let label = &html[label_start..label_at];
    let ns = namespace(label).ok_or_else(|| {
        format!(
            "unknown Amazon Linux release {:?}",
            label.chars().take(64).collect::<String>()
        )
    })?;
    let after_label = &html[label_at + LABEL_END.len()..];
    let name_id = text_of(after_label.split("</span>").next().unwrap_or(""));
    if !valid_id(&name_id) {
        return Err(format!(
            "advisory id {:?} is not an ALAS id",
            name_id.chars().take(64).collect::<String>()
        ));
    }
    let unique_id = between(html, "<h1", "</h1>")
        .and_then(|h| h.split_once('>'))
        .map(|(_, t)| text_of(t))
        .filter(|t| valid_id(t))
        .unwrap_or_else(|| name_id.clone());
    let sev = between(html, "id='severity'", "</div>")
        .map(|s| severity(text_of(&format!("<{s}")).rsplit(' ').next().unwrap_or("")))
        .unwrap_or_default();
    let mut cves: Vec<String> = Vec::new();
    if let Some(refs) = between(html, "id='references'", "</div>") {
        for token in text_of(&format!("<{refs}")).split_whitespace() {
            if token.starts_with("CVE-")
                && token.len() <= 32
                && token[4..].bytes().all(|b| b.is_ascii_digit() || b == b'-')
                && !cves.iter().any(|c| c == token)
            {
                cves.push(token.to_owned());
            }
        }
    }
    let packages_html =
        between(html, "id='new_packages'", "</pre>").ok_or("no New Packages section")?;
    let mut packages: Vec<(String, String)> = Vec::new();
    let body = packages_html.split_once("<pre>").map_or("", |(_, b)| b);
    for line in body.split("<br />") {
        let line = text_of(line);
        if line.is_empty() {
            continue;
        }
        if line.ends_with(':') {
            // An architecture heading: `x86_64:`, `noarch:`, `src:`.
            continue;
        }
        let (name, evr) = split_nevra(&line)
            .ok_or_else(|| format!("package {line:?} is not NAME-VERSION-RELEASE.ARCH"))?;
        if !packages.iter().any(|(n, v)| n == name && v == evr) {
            if packages.len() >= MAX_PACKAGES {
                return Err(format!("more than {MAX_PACKAGES} packages"));
            }
            packages.push((name.to_owned(), evr.to_owned()));
        }
    }
    packages.sort();
    let vulns: Vec<String> = if cves.is_empty() {
        vec![name_id.clone()]
    } else {
        cves
    };
    let mut out = Vec::with_capacity(vulns.len() * packages.len());
    for vuln in &vulns {
        for (name, evr) in &packages {
            out.push(Advisory {
                vulnerability_id: vuln.clone(),
                namespace: ns.to_owned(),
                package: name.clone(),
                scheme: "rpm".into(),
                status: Status::Fixed,
                affected: AffectedRange::LessThan(evr.clone()),
                fixed_version: Some(evr.clone()),
                severity: sev,
                advisory_ids: vec![unique_id.clone()],
                aliases: Vec::new(),
                notes: None,
                source: KIND.into(),
                record_id: name_id.clone(),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nevra_and_labels() {
        assert_eq!(
            split_nevra("kernel-debuginfo-common-x86_64-4.9.76-38.79.amzn2.x86_64"),
            Some(("kernel-debuginfo-common-x86_64", "4.9.76-38.79.amzn2"))
        );
        assert_eq!(
            split_nevra("vim-X11-8.2.3512-1.amzn2022.aarch64"),
            Some(("vim-X11", "8.2.3512-1.amzn2022"))
        );
        assert_eq!(split_nevra("nodots"), None);
        assert_eq!(split_nevra("name-1.x86_64"), None);
        assert_eq!(namespace("Amazon Linux 2"), Some("amzn:2"));
        assert_eq!(namespace("Amazon Linux AMI"), Some("amzn:1"));
        assert_eq!(namespace("Fedora"), None);
        assert_eq!(severity("Important"), Severity::High);
    }
}
