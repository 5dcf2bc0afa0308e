use std::collections::BTreeMap;

use customs_db::Store;
use customs_match::Verdict;
use customs_model::{Advisory, Finding, MatchDetail, Status};

use crate::{Inventory, ScanError};

/// Matches every package of `inv` against the store through the registered matchers.
///
/// For each (package, vulnerability), the record of the feed the matcher trusts most decides;
/// records of other feeds only add their advisory ids. Advisories stating "not affected" and
/// versions outside the affected range produce nothing; versions that cannot be compared
/// produce an `indeterminate` finding.
pub fn match_inventory(inv: &Inventory, store: &Store) -> Result<Vec<Finding>, ScanError> {
    let matchers = customs_ecosystems::matchers();
    let mut findings = Vec::new();
    for pkg in &inv.packages {
        for m in &matchers {
            let queries = m.queries(pkg, inv.distro.as_ref());
            if queries.is_empty() {
                continue;
            }
            let mut by_vuln: BTreeMap<String, Vec<Advisory>> = BTreeMap::new();
            for q in &queries {
                for adv in store.advisories(&q.namespace, &q.package)? {
                    by_vuln
                        .entry(adv.vulnerability_id.clone())
                        .or_default()
                        .push(adv);
                }
            }
            for (vuln, mut advs) in by_vuln {
                advs.sort_by_key(|a| {
                    (
                        m.feed_precedence(&a.source),
                        a.source.clone(),
                        a.record_id.clone(),
                    )
                });
                let best = m.feed_precedence(&advs[0].source);
                let mut advisory_ids: Vec<String> = advs
                    .iter()
                    .flat_map(|a| a.advisory_ids.iter().cloned())
                    .collect();
                advisory_ids.sort();
                advisory_ids.dedup();
                // Among the deciding feed's records (a feed may list several fixes), the
                // first one that says "affected" wins; otherwise an indeterminate one.
                let mut decided: Option<(Verdict, &Advisory)> = None;
                for adv in advs.iter().filter(|a| m.feed_precedence(&a.source) == best) {
                    let v = if adv.status == Status::NotAffected {
                        Verdict::NotAffected {
                            reason: "vendor: not affected".into(),
                        }
                    } else {
                        m.verdict(pkg, adv)
                    };
                    match (&v, &decided) {
                        (Verdict::Affected { .. }, _) => {
                            decided = Some((v, adv));
                            break;
                        }
                        (
                            Verdict::Indeterminate { .. },
                            None | Some((Verdict::NotAffected { .. }, _)),
                        )
                        | (Verdict::NotAffected { .. }, None) => decided = Some((v, adv)),
                        _ => {}
                    }
                }
                let Some((verdict, adv)) = decided else {
                    continue;
                };
                let (status, condition) = match verdict {
                    Verdict::Affected { condition } => (adv.status, condition),
                    Verdict::Indeterminate { reason } => (Status::Indeterminate, reason),
                    Verdict::NotAffected { .. } => continue,
                };
                findings.push(Finding {
                    vulnerability_id: vuln,
                    package_id: pkg.id.clone(),
                    package: pkg.name.clone(),
                    installed_version: pkg.version.clone(),
                    fixed_version: adv.fixed_version.clone(),
                    status,
                    severity: adv.severity,
                    layer_diff_id: pkg.layer_diff_id.clone(),
                    data_source: adv.source.clone(),
                    advisory_ids: advisory_ids.clone(),
                    notes: adv.notes.clone(),
                    detail: MatchDetail {
                        record_id: adv.record_id.clone(),
                        matched_by: adv.package.clone(),
                        condition,
                    },
                });
            }
        }
    }
    findings.sort_by(|a, b| {
        (b.severity, &a.package, &a.vulnerability_id, &a.package_id).cmp(&(
            a.severity,
            &b.package,
            &b.vulnerability_id,
            &b.package_id,
        ))
    });
    Ok(findings)
}
