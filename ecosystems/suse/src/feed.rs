//! SUSE's OVAL feeds (`suse-oval`): one document per product line, published at
//! `https://ftp.suse.com/pub/projects/security/oval/`, e.g.
//! `suse.linux.enterprise.server.15.xml.bz2` (every service pack of SLES 15 and the products
//! built on it) and `opensuse.leap.15.6.xml.gz`.
//!
//! # Shape
//!
//! One `<definition class="vulnerability">` per CVE (title `CVE-2021-29154`), with the
//! vendor's `<severity>` (Low, Moderate, Important, Critical). Its criteria pair *product*
//! criteria with *package* criteria inside AND branches:
//!
//! ```text
//! OR
//!   AND  "SUSE Linux Enterprise Server 15-LTSS is installed"          (product)
//!        OR  "kernel-default-4.12.14-150.72.1 is installed"           (package, fixed)
//!   AND  OR  "SUSE Linux Enterprise Server 15 is installed" …         (products)
//!        OR  "krb5-1.15.2-4.25 is installed" …                        (packages)
//!   AND  OR  "SUSE Linux Enterprise Server 15 is installed"
//!        "python3-cryptography is not affected"                       (package, not affected)
//! ```
//!
//! A package criterion's test resolves to an `rpminfo_object` (the **binary** rpm name: SUSE
//! lists every binary package, `kernel-default`, `krb5-32bit`, …) and a state: an `evr`
//! `less than` the fixed `EPOCH:VERSION-RELEASE`, or `version equals 0` for "not affected".
//!
//! # Decisions
//!
//! - **Namespaces** come from the product criteria's comments, which name the product and
//!   its service pack: `SUSE Linux Enterprise Server 15 SP1-LTSS` → `sles:15.1`,
//!   `SUSE Linux Enterprise Server 15` → `sles:15` (the GA release, *not* "all of 15": vunnel
//!   and grype key SLES the same way, by `VERSION_ID`), `SUSE Linux Enterprise Micro 5.5` and
//!   `SUSE Linux Micro 6.0` → `sle-micro:5.5` / `sle-micro:6.0`, `openSUSE Leap 15.6` →
//!   `opensuse-leap:15.6`. Modules, Desktop, HPC, Manager and other products are skipped:
//!   their packages reach SLES images through the SLES product criteria anyway.
//! - **Which products govern a package criterion**: the product criteria inside the nearest
//!   enclosing AND node that holds any (whether directly or in a nested OR), so products
//!   never leak from one AND branch into another.
//! - **Several variants of one service pack** (`15 SP1`, `15 SP1-LTSS`, `15 SP1-BCL`, SLES
//!   for SAP Applications) are merged per package; when several list the same package, the
//!   plain product decides, then LTSS, then the other SLES variants, then SAP. vunnel instead
//!   keeps the whole list of one variant (`sles-release` over `sles-ltss-release`); the
//!   results agree whenever the variants list the same package, and the merge keeps packages
//!   only one variant lists. A fix taken from a variant other than the plain product says so
//!   in `notes` (`fixed in SUSE Linux Enterprise Server 15-LTSS`).
//! - **Status**: `evr less than` → fixed below that EVR (kept as written, `0:1.15.2-4.25`);
//!   `is not affected` / `version equals 0` → not affected (vunnel writes this as the fixed
//!   version `"0"`, which grype reads as "no version is vulnerable"); `NAME is affected`
//!   without a usable state → affected, no fix. vunnel's fixture writes one state's operation
//!   as `6`; an `evr` state is read as "less than" unless its operation says otherwise.
//! - The arch pattern of a state (`(aarch64|ppc64le|s390x|x86_64)`) is not kept: one test
//!   carries one fixed EVR for all the arches it names.
//! - Severity: Critical, Important → high, Moderate → medium, Low.
//! - `class="patch"` definitions (the `-patch` OVAL flavour) are read too: their CVE
//!   references become the vulnerability ids and their title (`SUSE-SU-…`) the advisory id.

use std::collections::BTreeMap;
use std::io::Read;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::{Advisory, AffectedRange, Severity, Status};
use customs_rpm::RpmScheme;
use customs_version::VersionScheme;

use crate::oval::{self, Criterion, Definition, Document};

/// The feed kind.
pub const KIND: &str = "suse-oval";
/// The limit on the decompressed document. SLES 15's is the largest SUSE publishes
/// (hundreds of MB decompressed, every service pack and derived product in one file);
/// 3 GiB leaves ample room. The reader keeps a summary of every definition until the
/// tests, objects and states (which follow the definitions) are read, so memory grows with
/// the number of criteria, not with descriptions.
pub const DEFAULT_MAX_BYTES: u64 = 3 << 30;

/// The upstream documents fetched by default: SLES 12 and 15 (every service pack each)
/// and the supported openSUSE Leap releases.
pub const DEFAULT_LOCATIONS: &[&str] = &[
    "https://ftp.suse.com/pub/projects/security/oval/suse.linux.enterprise.server.15.xml.bz2",
    "https://ftp.suse.com/pub/projects/security/oval/suse.linux.enterprise.server.12.xml.bz2",
    "https://ftp.suse.com/pub/projects/security/oval/opensuse.leap.15.6.xml.gz",
    "https://ftp.suse.com/pub/projects/security/oval/opensuse.leap.15.5.xml.gz",
];

/// Parses SUSE OVAL. Construct it as `SuseOvalParser::default()`.
#[derive(Debug, Clone)]
pub struct SuseOvalParser {
    max_bytes: u64,
}

impl Default for SuseOvalParser {
    fn default() -> Self {
        SuseOvalParser {
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

impl SuseOvalParser {
    /// The same parser with another limit on the decompressed document size.
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }
}

impl FeedParser for SuseOvalParser {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn description(&self) -> &'static str {
        "SUSE OVAL: SLES, SLE Micro and openSUSE Leap (fixed binary rpms per service pack)"
    }

    fn default_locations(&self) -> Vec<String> {
        DEFAULT_LOCATIONS.iter().map(|s| (*s).to_owned()).collect()
    }

    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(Advisory),
    ) -> Result<(), FeedError> {
        let doc = oval::read(input, body, self.max_bytes)?;
        for def in &doc.definitions {
            for a in definition_advisories(&doc, def) {
                emit(a);
            }
        }
        Ok(())
    }
}

/// A product a criterion names: its namespace and how much its list is trusted among the
/// variants of one release (lower wins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub namespace: String,
    pub rank: u8,
}

/// `15` → `15`, `15 SP1` → `15.1`; `None` for anything else.
fn release(s: &str) -> Option<String> {
    let mut parts = s.split(' ');
    let major = parts.next()?;
    let sp = parts.next();
    if parts.next().is_some() || !is_number(major) {
        return None;
    }
    match sp {
        None => Some(major.to_owned()),
        Some(sp) => {
            let n = sp.strip_prefix("SP")?;
            is_number(n).then(|| format!("{major}.{n}"))
        }
    }
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `15.6`-style versions (digits and at most one dot).
fn dotted(s: &str) -> bool {
    let mut it = s.split('.');
    let ok = it.next().is_some_and(is_number) && it.next().is_none_or(is_number);
    ok && it.next().is_none()
}

/// The product a product criterion's comment names (`… is installed` already removed).
pub fn product(name: &str) -> Option<Product> {
    let name = name.trim();
    if let Some(rest) = name.strip_prefix("SUSE Linux Enterprise Server for SAP Applications ") {
        return release(rest).map(|v| Product {
            namespace: format!("sles:{v}"),
            rank: 3,
        });
    }
    if let Some(rest) = name.strip_prefix("SUSE Linux Enterprise Server ") {
        // `15`, `15 SP1`, `15-LTSS`, `15 SP1-LTSS`, `15 SP1-BCL`, `12 SP5-ESPOS`, …
        let (base, suffix) = match rest.split_once('-') {
            Some((b, s)) => (b, Some(s)),
            None => (rest, None),
        };
        let v = release(base)?;
        let rank = match suffix {
            None => 0,
            Some("LTSS") => 1,
            Some(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()) => 2,
            Some(_) => return None,
        };
        return Some(Product {
            namespace: format!("sles:{v}"),
            rank,
        });
    }
    for (prefix, family) in [
        ("SUSE Linux Enterprise Micro ", "sle-micro"),
        ("SUSE Linux Micro ", "sle-micro"),
        ("openSUSE Leap ", "opensuse-leap"),
    ] {
        if let Some(v) = name.strip_prefix(prefix) {
            return dotted(v).then(|| Product {
                namespace: format!("{family}:{v}"),
                rank: 0,
            });
        }
    }
    None
}

fn severity(s: &str) -> Severity {
    match s.trim().to_ascii_lowercase().as_str() {
        "critical" => Severity::Critical,
        "important" | "high" => Severity::High,
        "moderate" | "medium" => Severity::Medium,
        "low" => Severity::Low,
        _ => Severity::Unknown,
    }
}

/// What one package criterion states.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fix {
    Fixed(String),
    NotAffected,
    Affected,
}

/// The package and statement of a package criterion, when it is one.
fn package_fix(doc: &Document, c: &Criterion) -> Option<(String, Fix)> {
    if c.negate {
        return None;
    }
    let comment = c.comment.trim();
    let resolved = doc.resolve(&c.test_ref);
    if let Some((name, state)) = resolved
        && !name.is_empty()
        && !name.contains(char::is_whitespace)
    {
        if let Some((evr, op)) = &state.evr {
            let op = op.trim();
            let less = !matches!(
                op,
                "equals"
                    | "not equal"
                    | "greater than"
                    | "greater than or equal"
                    | "less than or equal"
                    | "pattern match"
            );
            if less && !evr.is_empty() && !evr.contains(char::is_whitespace) {
                return Some((name.to_owned(), Fix::Fixed(evr.clone())));
            }
            return None;
        }
        if comment.ends_with(" is not affected")
            || state
                .version
                .as_ref()
                .is_some_and(|(v, op)| v == "0" && op == "equals")
        {
            return Some((name.to_owned(), Fix::NotAffected));
        }
    }
    // Comment-only statements (a test that does not resolve).
    for (suffix, fix) in [
        (" is not affected", Fix::NotAffected),
        (" is affected", Fix::Affected),
    ] {
        if let Some(name) = comment.strip_suffix(suffix) {
            let name = resolved.map_or(name.trim(), |(n, _)| n);
            if !name.is_empty() && !name.contains(char::is_whitespace) {
                return Some((name.to_owned(), fix));
            }
        }
    }
    None
}

/// The `CVE-…` token of a reference id such as `Mitre CVE-2021-29154`.
fn cve_token(s: &str) -> Option<&str> {
    s.split_whitespace().find(|t| {
        t.strip_prefix("CVE-").is_some_and(|rest| {
            let mut p = rest.split('-');
            p.next()
                .is_some_and(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
                && p.next()
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                && p.next().is_none()
        })
    })
}

/// One chosen fix for one (namespace, package).
struct Chosen {
    rank: u8,
    fix: Fix,
    product: String,
}

/// Whether `new` should replace `old` at equal rank: affected beats fixed beats not
/// affected, and between two fixes the higher version wins (the conservative reading).
fn stronger(new: &Fix, old: &Fix) -> bool {
    match (new, old) {
        (_, Fix::Affected) | (Fix::NotAffected, _) => false,
        (Fix::Affected, _) | (Fix::Fixed(_), Fix::NotAffected) => true,
        (Fix::Fixed(a), Fix::Fixed(b)) => {
            matches!(RpmScheme.compare(a, b), Ok(std::cmp::Ordering::Greater))
        }
    }
}

/// The advisories of one definition.
pub fn definition_advisories(doc: &Document, def: &Definition) -> Vec<Advisory> {
    if def.class != "vulnerability" && def.class != "patch" {
        return Vec::new();
    }
    let title = def.title.trim();
    let title_token = title.split_whitespace().next().unwrap_or("");
    let (vulns, advisory_ids): (Vec<String>, Vec<String>) = if def.class == "patch" {
        let mut v: Vec<String> = Vec::new();
        for (source, id) in &def.references {
            if source.eq_ignore_ascii_case("CVE")
                && let Some(c) = cve_token(id)
                && !v.iter().any(|x| x == c)
            {
                v.push(c.to_owned());
            }
        }
        let adv = title_token.trim_end_matches(':').to_owned();
        if v.is_empty() && !adv.is_empty() {
            v.push(adv.clone());
        }
        (
            v,
            if adv.is_empty() {
                Vec::new()
            } else {
                vec![adv]
            },
        )
    } else {
        let id = cve_token(title).map(str::to_owned).or_else(|| {
            def.references
                .iter()
                .filter(|(s, _)| s.eq_ignore_ascii_case("CVE"))
                .find_map(|(_, r)| cve_token(r).map(str::to_owned))
        });
        (id.into_iter().collect(), Vec::new())
    };
    if vulns.is_empty() {
        return Vec::new();
    }

    // Product criteria: index → product (and its name for notes).
    let products: Vec<Option<(Product, &str)>> = def
        .criteria
        .iter()
        .map(|c| {
            if c.negate {
                return None;
            }
            let name = c.comment.trim().strip_suffix(" is installed")?;
            product(name).map(|p| (p, name.trim()))
        })
        .collect();
    if products.iter().all(Option::is_none) {
        return Vec::new();
    }
    // The products inside the criteria node `scope` (at any depth).
    let products_in = |scope: u32| -> Vec<(&Product, &str)> {
        def.criteria
            .iter()
            .zip(&products)
            .filter(|(c, _)| c.scopes.contains(&scope))
            .filter_map(|(_, p)| p.as_ref().map(|(p, n)| (p, *n)))
            .collect()
    };

    let mut chosen: BTreeMap<(String, String), Chosen> = BTreeMap::new();
    for (c, p) in def.criteria.iter().zip(&products) {
        if p.is_some() {
            continue;
        }
        let Some((package, fix)) = package_fix(doc, c) else {
            continue;
        };
        // The nearest enclosing AND node holding product criteria.
        let governing = c.scopes.iter().rev().find_map(|&s| {
            let is_and = def.scope_is_and.get(s as usize).copied().unwrap_or(true);
            if !is_and {
                return None;
            }
            let ps = products_in(s);
            (!ps.is_empty()).then_some(ps)
        });
        let Some(governing) = governing else { continue };
        for (prod, prod_name) in governing {
            let key = (prod.namespace.clone(), package.clone());
            let replace = match chosen.get(&key) {
                None => true,
                Some(old) => {
                    prod.rank < old.rank || (prod.rank == old.rank && stronger(&fix, &old.fix))
                }
            };
            if replace {
                chosen.insert(
                    key,
                    Chosen {
                        rank: prod.rank,
                        fix: fix.clone(),
                        product: prod_name.to_owned(),
                    },
                );
            }
        }
    }

    let sev = severity(&def.severity);
    let mut out = Vec::new();
    for ((namespace, package), ch) in chosen {
        let (status, affected, fixed_version) = match &ch.fix {
            Fix::Fixed(evr) => (
                Status::Fixed,
                AffectedRange::LessThan(evr.clone()),
                Some(evr.clone()),
            ),
            Fix::NotAffected => (Status::NotAffected, AffectedRange::Nothing, None),
            Fix::Affected => (Status::Affected, AffectedRange::All, None),
        };
        let notes = (ch.rank > 0 && matches!(ch.fix, Fix::Fixed(_)))
            .then(|| format!("fixed in {}", ch.product));
        for vuln in &vulns {
            out.push(Advisory {
                vulnerability_id: vuln.clone(),
                namespace: namespace.clone(),
                package: package.clone(),
                scheme: "rpm".into(),
                status,
                affected: affected.clone(),
                fixed_version: fixed_version.clone(),
                severity: sev,
                advisory_ids: advisory_ids.clone(),
                aliases: Vec::new(),
                notes: notes.clone(),
                source: KIND.into(),
                record_id: def.id.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(s: &str) -> Option<(String, u8)> {
        product(s).map(|p| (p.namespace, p.rank))
    }

    #[test]
    fn product_names() {
        assert_eq!(
            ns("SUSE Linux Enterprise Server 15"),
            Some(("sles:15".into(), 0))
        );
        assert_eq!(
            ns("SUSE Linux Enterprise Server 15 SP5"),
            Some(("sles:15.5".into(), 0))
        );
        assert_eq!(
            ns("SUSE Linux Enterprise Server 15-LTSS"),
            Some(("sles:15".into(), 1))
        );
        assert_eq!(
            ns("SUSE Linux Enterprise Server 15 SP1-BCL"),
            Some(("sles:15.1".into(), 2))
        );
        assert_eq!(
            ns("SUSE Linux Enterprise Server for SAP Applications 15 SP1"),
            Some(("sles:15.1".into(), 3))
        );
        assert_eq!(
            ns("SUSE Linux Enterprise Micro 5.5"),
            Some(("sle-micro:5.5".into(), 0))
        );
        assert_eq!(
            ns("SUSE Linux Micro 6.0"),
            Some(("sle-micro:6.0".into(), 0))
        );
        assert_eq!(
            ns("openSUSE Leap 15.6"),
            Some(("opensuse-leap:15.6".into(), 0))
        );
        assert_eq!(ns("openSUSE Leap Micro 5.5"), None);
        assert_eq!(
            ns("SUSE Linux Enterprise Module for Basesystem 15 SP2"),
            None
        );
        assert_eq!(
            ns("SUSE Linux Enterprise Server LTSS Extended Security 12 SP5"),
            None
        );
        assert_eq!(ns("SUSE Linux Enterprise Server 15 SP"), None);
        assert_eq!(ns("SUSE Linux Enterprise Server 15 SP1 extra"), None);
        assert_eq!(ns("SUSE Linux Enterprise Desktop 15"), None);
    }

    #[test]
    fn cve_tokens_and_severity() {
        assert_eq!(cve_token("Mitre CVE-2021-29154"), Some("CVE-2021-29154"));
        assert_eq!(cve_token("CVE-2021-29154"), Some("CVE-2021-29154"));
        assert_eq!(cve_token("SUSE CVE-21-1"), None);
        assert_eq!(cve_token("CVE-2021-x"), None);
        assert_eq!(severity("Important"), Severity::High);
        assert_eq!(severity("Moderate"), Severity::Medium);
        assert_eq!(severity(""), Severity::Unknown);
    }
}
