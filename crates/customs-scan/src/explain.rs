//! `customs explain`: why a vulnerability was, or was not, reported for each package.
//!
//! The same lookups and verdicts as matching, but nothing is filtered: every candidate record
//! of every feed is listed with the matcher's verdict on it, and which record decided (the
//! feed the matcher trusts most). Records of other feeds appear as "outranked".

use customs_match::Verdict;
use customs_model::{Advisory, AffectedRange, OsvEvent, Package, Status};

use crate::{Inventory, ScanError};

/// One candidate record for one package.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Explanation {
    pub package: String,
    pub version: String,
    pub purl: String,
    pub found_in: String,
    pub layer_diff_id: Option<String>,
    pub matcher: String,
    /// The lookup: `namespace` / `package` as the feed keys it.
    pub lookup: String,
    pub feed: String,
    pub record_id: String,
    pub vulnerability_id: String,
    pub aliases: Vec<String>,
    pub status: Status,
    /// The affected range in words, e.g. `< 1.0.1e-2+deb7u5 (deb)`.
    pub range: String,
    /// `affected`, `not affected` or `indeterminate`.
    pub verdict: String,
    /// The comparison that held, or why the record was dismissed.
    pub reason: String,
    /// Whether this record decided the finding (its feed ranks first for this matcher).
    pub deciding: bool,
}

/// Reads a store: `(namespace, package)` → every advisory.
pub type Lookup<'a> = dyn Fn(&str, &str) -> Result<Vec<Advisory>, ScanError> + 'a;

/// Renders an affected range for humans.
pub fn describe_range(range: &AffectedRange, scheme: &str) -> String {
    let body = match range {
        AffectedRange::All => "all versions".to_owned(),
        AffectedRange::Nothing => "no version".to_owned(),
        AffectedRange::LessThan(v) => format!("< {v}"),
        AffectedRange::Versions(vs) => format!("exactly {}", vs.join(", ")),
        AffectedRange::Osv(events) => events
            .iter()
            .map(|e| match e {
                OsvEvent::Introduced(v) => format!("introduced {v}"),
                OsvEvent::Fixed(v) => format!("fixed {v}"),
                OsvEvent::LastAffected(v) => format!("last affected {v}"),
                OsvEvent::Limit(v) => format!("limit {v}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
    };
    format!("{body} ({scheme})")
}

fn names(adv: &Advisory, id: &str) -> bool {
    adv.vulnerability_id.eq_ignore_ascii_case(id)
        || adv.aliases.iter().any(|a| a.eq_ignore_ascii_case(id))
        || adv.advisory_ids.iter().any(|a| a.eq_ignore_ascii_case(id))
}

/// Every record naming `vulnerability` (by id, alias or advisory id) that any matcher looks
/// up for any package of `inv`, with its verdict. `lookup(namespace, package)` reads the store.
pub fn explain(
    inv: &Inventory,
    vulnerability: &str,
    lookup: &Lookup<'_>,
) -> Result<Vec<Explanation>, ScanError> {
    let matchers = customs_ecosystems::matchers();
    let mut out = Vec::new();
    for pkg in &inv.packages {
        for m in &matchers {
            for q in m.queries(pkg, inv.distro.as_ref()) {
                let records: Vec<Advisory> = lookup(&q.namespace, &q.package)?
                    .into_iter()
                    .filter(|a| names(a, vulnerability))
                    .collect();
                let best = records.iter().map(|a| m.feed_precedence(&a.source)).min();
                for adv in records {
                    out.push(explain_one(pkg, m.as_ref(), &q, &adv, best));
                }
            }
        }
    }
    Ok(out)
}

fn explain_one(
    pkg: &Package,
    m: &dyn customs_match::Matcher,
    q: &customs_match::Query,
    adv: &Advisory,
    best: Option<u32>,
) -> Explanation {
    let verdict = if adv.status == Status::NotAffected {
        Verdict::NotAffected {
            reason: format!(
                "{}: the vendor states the package is not affected",
                adv.source
            ),
        }
    } else {
        m.verdict(pkg, adv)
    };
    let deciding = Some(m.feed_precedence(&adv.source)) == best;
    let (word, mut reason) = match verdict {
        Verdict::Affected { condition } => ("affected", condition),
        Verdict::NotAffected { reason } => ("not affected", reason),
        Verdict::Indeterminate { reason } => ("indeterminate", reason),
    };
    if !deciding {
        reason.push_str("; outranked by another feed's record for this package");
    }
    Explanation {
        package: pkg.name.clone(),
        version: pkg.version.clone(),
        purl: pkg.purl.as_str().to_owned(),
        found_in: pkg.found_in.clone(),
        layer_diff_id: pkg.layer_diff_id.as_ref().map(ToString::to_string),
        matcher: m.id().to_owned(),
        lookup: format!("{} / {}", q.namespace, q.package),
        feed: adv.source.clone(),
        record_id: adv.record_id.clone(),
        vulnerability_id: adv.vulnerability_id.clone(),
        aliases: adv.aliases.clone(),
        status: adv.status,
        range: describe_range(&adv.affected, &adv.scheme),
        verdict: word.to_owned(),
        reason,
        deciding,
    }
}
