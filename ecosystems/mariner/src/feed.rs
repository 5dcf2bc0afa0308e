//! Microsoft's CBL-Mariner / Azure Linux OVAL (`mariner-oval`), one file per release:
//! `cbl-mariner-2.0-oval.xml`, `azurelinux-3.0-oval.xml` in
//! <https://github.com/microsoft/AzureLinuxVulnerabilityData>.
//!
//! One `<definition class="vulnerability">` per (CVE, package). The metadata give the CVE
//! (`<reference source="CVE">`), `<severity>`, `<advisory_id>` and `<patchable>`; the
//! criteria point at rpminfo tests whose object names the package and whose state holds an
//! `<evr>` with an operation:
//!
//! | criteria (test states)                      | advisory                                   |
//! |---------------------------------------------|--------------------------------------------|
//! | `less than X`                               | fixed in X: `LessThan(X)`                  |
//! | `less than or equal X` (patchable false)    | affected, no fix: OSV `[introduced 0, last_affected X]` |
//! | `greater than A` and `less than B`          | fixed in B: OSV `[introduced A, fixed B]`  |
//! | `patchable` "Not Applicable"                | `not_affected`                             |
//!
//! Notes: OSV's `introduced` is inclusive where OVAL's `greater than` is not, so version A
//! itself is read as affected (an over-approximation, never a miss). vunnel drops the "Not
//! Applicable" definitions; customs keeps them as `not_affected` statements.
//!
//! The platform is `CBL-Mariner` or `Azure Linux` without a version, so the release comes
//! from the file name (`…-2.0-oval.xml`) or, failing that, from the `.cm2` / `.azl3`
//! suffix of the versions: namespaces `mariner:2.0`, `azurelinux:3.0`.

use std::io::Read;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::{Advisory, AffectedRange, OsvEvent, Severity, Status};

use crate::oval::{self, Definition, Document};

/// The feed kind.
pub const KIND: &str = "mariner-oval";
/// The decompressed files are 10–40 MB; 1 GiB leaves room.
pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;

const BASE: &str = "https://raw.githubusercontent.com/microsoft/AzureLinuxVulnerabilityData/main";

/// Parses Mariner / Azure Linux OVAL. Construct it as `MarinerOvalParser::default()`.
#[derive(Debug, Clone)]
pub struct MarinerOvalParser {
    max_bytes: u64,
}

impl Default for MarinerOvalParser {
    fn default() -> Self {
        MarinerOvalParser {
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

impl MarinerOvalParser {
    /// The same parser with another limit on the decompressed document size.
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }
}

impl FeedParser for MarinerOvalParser {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn description(&self) -> &'static str {
        "CBL-Mariner / Azure Linux OVAL (per CVE and package: fixed, unfixed, not applicable)"
    }

    fn default_locations(&self) -> Vec<String> {
        [
            "cbl-mariner-1.0-oval.xml",
            "cbl-mariner-2.0-oval.xml",
            "azurelinux-3.0-oval.xml",
        ]
        .iter()
        .map(|f| format!("{BASE}/{f}"))
        .collect()
    }

    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(Advisory),
    ) -> Result<(), FeedError> {
        let doc = oval::read(input, body, self.max_bytes)?;
        let release = release_from_file_name(&input.file_name);
        for def in &doc.definitions {
            for a in definition_advisories(&doc, def, release.as_deref())
                .map_err(|m| FeedError::malformed(input, format!("definition {}: {m}", def.id)))?
            {
                emit(a);
            }
        }
        Ok(())
    }
}

/// `cbl-mariner-2.0-oval.xml` → `2.0`.
pub fn release_from_file_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = base.strip_suffix("-oval.xml")?;
    let release = stem.rsplit('-').next()?;
    valid_release(release).then(|| release.to_owned())
}

fn valid_release(r: &str) -> bool {
    let mut parts = r.split('.');
    matches!((parts.next(), parts.next(), parts.next()),
        (Some(a), Some(b), None) if !a.is_empty() && !b.is_empty()
            && a.bytes().all(|c| c.is_ascii_digit()) && b.bytes().all(|c| c.is_ascii_digit()))
}

/// The release from a version's dist tag: `.cm2` → `2.0`, `.azl3` → `3.0`.
fn release_from_evr(evr: &str) -> Option<String> {
    let tag = evr.rsplit('.').next()?;
    let major = tag.strip_prefix("cm").or_else(|| tag.strip_prefix("azl"))?;
    (!major.is_empty() && major.bytes().all(|b| b.is_ascii_digit())).then(|| format!("{major}.0"))
}

fn severity(s: &str) -> Severity {
    s.parse().unwrap_or(Severity::Unknown)
}

/// The advisories of one definition.
pub fn definition_advisories(
    doc: &Document,
    def: &Definition,
    file_release: Option<&str>,
) -> Result<Vec<Advisory>, String> {
    if def.class != "vulnerability" {
        return Ok(Vec::new());
    }
    let platform = def.platforms.first().map_or("", |p| p.trim());
    let distro = match platform {
        "CBL-Mariner" => "mariner",
        "Azure Linux" => "azurelinux",
        _ => return Ok(Vec::new()),
    };
    // (package, operation, evr) of every resolvable criterion.
    let mut tests: Vec<(&str, &str, &str)> = Vec::new();
    for c in &def.criteria {
        let (name, state) = doc.resolve(&c.test_ref).ok_or_else(|| {
            format!(
                "test {} does not resolve to a package and state",
                c.test_ref
            )
        })?;
        let (evr, op) = state
            .evr
            .as_ref()
            .ok_or_else(|| format!("state of test {} has no evr", c.test_ref))?;
        tests.push((name, op.as_str(), evr.as_str()));
    }
    let Some(&(package, _, first_evr)) = tests.first() else {
        return Ok(Vec::new());
    };
    if tests.iter().any(|(n, _, _)| *n != package) {
        return Err("criteria name several packages".into());
    }
    let release = file_release
        .map(str::to_owned)
        .or_else(|| release_from_evr(first_evr))
        .ok_or("no release in the file name or the versions")?;
    let find = |op: &str| {
        tests
            .iter()
            .find(|(_, o, _)| *o == op)
            .map(|(_, _, e)| (*e).to_owned())
    };
    let (status, affected, fixed) = if def.patchable.eq_ignore_ascii_case("Not Applicable") {
        (Status::NotAffected, AffectedRange::Nothing, None)
    } else if let Some(fixed) = find("less than") {
        match find("greater than") {
            Some(low) => (
                Status::Fixed,
                AffectedRange::Osv(vec![
                    OsvEvent::Introduced(low),
                    OsvEvent::Fixed(fixed.clone()),
                ]),
                Some(fixed),
            ),
            None => (
                Status::Fixed,
                AffectedRange::LessThan(fixed.clone()),
                Some(fixed),
            ),
        }
    } else if let Some(last) = find("less than or equal") {
        (
            Status::Affected,
            AffectedRange::Osv(vec![
                OsvEvent::Introduced("0".into()),
                OsvEvent::LastAffected(last),
            ]),
            None,
        )
    } else {
        let ops: Vec<&str> = tests.iter().map(|(_, o, _)| *o).collect();
        return Err(format!("unsupported evr operations {ops:?}"));
    };
    let mut vulns = def.refs("CVE");
    if vulns.is_empty() {
        vulns.push(def.id.clone());
    }
    let advisory_ids = if def.advisory_id.is_empty() {
        Vec::new()
    } else {
        vec![def.advisory_id.clone()]
    };
    Ok(vulns
        .into_iter()
        .map(|vuln| Advisory {
            vulnerability_id: vuln,
            namespace: format!("{distro}:{release}"),
            package: package.to_owned(),
            scheme: "rpm".into(),
            status,
            affected: affected.clone(),
            fixed_version: fixed.clone(),
            severity: severity(&def.severity),
            advisory_ids: advisory_ids.clone(),
            aliases: Vec::new(),
            notes: None,
            source: KIND.into(),
            record_id: def.id.clone(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases() {
        assert_eq!(
            release_from_file_name("cbl-mariner-2.0-oval.xml").as_deref(),
            Some("2.0")
        );
        assert_eq!(
            release_from_file_name("azure-linux-truncated-3.0-oval.xml").as_deref(),
            Some("3.0")
        );
        assert_eq!(release_from_file_name("oval.xml"), None);
        assert_eq!(release_from_evr("0:1.20.7-1.cm2").as_deref(), Some("2.0"));
        assert_eq!(release_from_evr("0:3.4.0-1.azl3").as_deref(), Some("3.0"));
        assert_eq!(release_from_evr("0:3.4.0-1.el9"), None);
    }
}
