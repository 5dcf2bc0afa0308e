use std::collections::HashMap;

use customs_db::AdvisoryStore;
use customs_match::Verdict;
use customs_model::{Advisory, Distro, Finding, MatchDetail, Package, Status};

use crate::{Inventory, ScanError};

/// Groups one package's advisories by vulnerability: records share a vulnerability when
/// their ids or aliases meet (a PYSEC record and a GHSA record both aliasing one CVE).
/// Groups come in the order of their first record; [`name_and_aliases`] names one.
fn cluster_by_alias<'a>(advs: &[&'a Advisory]) -> Vec<Vec<&'a Advisory>> {
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut parent: Vec<usize> = (0..advs.len()).collect();
    let mut first_with: HashMap<&str, usize> = HashMap::with_capacity(advs.len());
    for (i, a) in advs.iter().enumerate() {
        for id in std::iter::once(&a.vulnerability_id).chain(&a.aliases) {
            match first_with.get(id.as_str()) {
                Some(&j) => {
                    let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                    parent[ri] = rj;
                }
                None => {
                    first_with.insert(id, i);
                }
            }
        }
    }
    // Group index by root, in the order roots are first seen.
    let mut group_of: HashMap<usize, usize> = HashMap::new();
    let mut groups: Vec<Vec<&Advisory>> = Vec::new();
    for (i, &adv) in advs.iter().enumerate() {
        let r = root(&mut parent, i);
        let g = *group_of.entry(r).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(adv);
    }
    groups
}

/// A vulnerability group's name and aliases: its CVE id when it has exactly one (what most
/// users search for), otherwise its smallest id; the other ids become aliases.
fn name_and_aliases(group: &[&Advisory]) -> (String, Vec<String>) {
    let mut ids: Vec<&str> = group
        .iter()
        .flat_map(|a| std::iter::once(&a.vulnerability_id).chain(&a.aliases))
        .map(String::as_str)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut cves = ids.iter().filter(|i| i.starts_with("CVE-"));
    let name = match (cves.next(), cves.next()) {
        (Some(cve), None) => *cve,
        _ => ids[0],
    };
    let aliases = ids
        .iter()
        .filter(|i| **i != name)
        .map(|i| (*i).to_owned())
        .collect();
    (name.to_owned(), aliases)
}

/// Below this many jobs per thread, one thread judges them all (spawning costs more).
const MIN_JOBS_PER_THREAD: usize = 48;

/// Matches every package of `inv` against the store through the registered matchers.
///
/// For each (package, vulnerability), the record of the feed the matcher trusts most decides;
/// records of other feeds only add their advisory ids. Advisories stating "not affected" and
/// versions outside the affected range produce nothing; versions that cannot be compared
/// produce an `indeterminate` finding.
///
/// Each (namespace, package) is looked up once per call: the binary packages of one source
/// package (a dozen for `systemd` or `glibc`) all ask for the source's advisories, and
/// decoding them is most of the cost of matching.
pub fn match_inventory(
    inv: &Inventory,
    store: &dyn AdvisoryStore,
) -> Result<Vec<Finding>, ScanError> {
    match_packages(&inv.packages, inv.distro.as_ref(), store)
}

/// [`match_inventory`] for packages that did not come from an indexed image (an SBOM, a
/// list from elsewhere), on the distro they were installed on, if any.
pub fn match_packages(
    packages: &[Package],
    distro: Option<&Distro>,
    store: &dyn AdvisoryStore,
) -> Result<Vec<Finding>, ScanError> {
    let matchers = customs_ecosystems::matchers();
    let queries: Vec<Vec<Vec<customs_match::Query>>> = packages
        .iter()
        .map(|pkg| matchers.iter().map(|m| m.queries(pkg, distro)).collect())
        .collect();
    let mut keys: Vec<(&str, &str)> = queries
        .iter()
        .flatten()
        .flatten()
        .map(|q| (q.namespace.as_str(), q.package.as_str()))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let looked_up: HashMap<(&str, &str), Vec<Advisory>> = keys
        .iter()
        .copied()
        .zip(store.advisories_of(&keys)?)
        .collect();
    // Packages a matcher judges alike (equal queries and verdict key: the binary packages
    // of one source package) form one job, judged once.
    let mut jobs: Vec<Job> = Vec::new();
    let mut alike: HashMap<(usize, &[customs_match::Query], &str), usize> = HashMap::new();
    for (pkg, per_matcher) in packages.iter().zip(&queries) {
        for (matcher, queries) in per_matcher.iter().enumerate() {
            if queries.is_empty() {
                continue;
            }
            if let Some(key) = matchers[matcher].verdict_key(pkg) {
                match alike.entry((matcher, queries.as_slice(), key)) {
                    std::collections::hash_map::Entry::Occupied(e) => {
                        jobs[*e.get()].packages.push(pkg);
                        continue;
                    }
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(jobs.len());
                    }
                }
            }
            jobs.push(Job {
                matcher,
                queries,
                packages: vec![pkg],
            });
        }
    }
    // Jobs are independent: spread them over the cores (the store lookups above stay on
    // this thread, a SQLite connection being single-threaded).
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(8);
    let chunk = jobs.len().div_ceil(threads).max(MIN_JOBS_PER_THREAD);
    let findings: Vec<Finding> = std::thread::scope(|s| {
        let parts: Vec<_> = jobs
            .chunks(chunk.max(1))
            .map(|part| {
                let (matchers, looked_up) = (&matchers, &looked_up);
                s.spawn(move || {
                    let mut out = Vec::new();
                    for job in part {
                        run_job(job, matchers[job.matcher].as_ref(), looked_up, &mut out);
                    }
                    out
                })
            })
            .collect();
        let mut all = Vec::new();
        for h in parts {
            all.append(&mut h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        all
    });
    // One finding per (package id, vulnerability): no two compare equal, so an unstable
    // sort gives the same order as a stable one. Indices are sorted, not the findings
    // themselves: a `Finding` is a few hundred bytes to move at every swap.
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_unstable_by(|&i, &j| {
        let (a, b) = (&findings[i], &findings[j]);
        (b.severity, &a.package, &a.vulnerability_id, &a.package_id).cmp(&(
            a.severity,
            &b.package,
            &b.vulnerability_id,
            &b.package_id,
        ))
    });
    let mut slots: Vec<Option<Finding>> = findings.into_iter().map(Some).collect();
    let findings: Vec<Finding> = order.into_iter().filter_map(|i| slots[i].take()).collect();
    Ok(findings)
}

/// Packages one matcher judges alike (see [`customs_match::Matcher::verdict_key`]).
struct Job<'a> {
    matcher: usize,
    queries: &'a [customs_match::Query],
    packages: Vec<&'a Package>,
}

/// Judges a job's first package and gives each other package of the job the same findings.
fn run_job(
    job: &Job,
    m: &dyn customs_match::Matcher,
    looked_up: &HashMap<(&str, &str), Vec<Advisory>>,
    out: &mut Vec<Finding>,
) {
    let Some((first, others)) = job.packages.split_first() else {
        return;
    };
    let from = out.len();
    match_package(first, m, job.queries, looked_up, out);
    let to = out.len();
    for pkg in others {
        for i in from..to {
            let copy = for_package(&out[i], pkg);
            out.push(copy);
        }
    }
}

/// `f` as a finding of `pkg`, judged alike. (Destructured without `..`: a new field of
/// `Finding` must be placed here, as copied or as the package's own.)
fn for_package(f: &Finding, pkg: &Package) -> Finding {
    let Finding {
        vulnerability_id,
        package_id: _,
        package: _,
        installed_version: _,
        fixed_version,
        status,
        severity,
        layer_diff_id: _,
        data_source,
        advisory_ids,
        aliases,
        notes,
        detail,
        severity_source,
        cvss,
        cwes,
        kev,
        epss,
    } = f;
    Finding {
        vulnerability_id: vulnerability_id.clone(),
        package_id: pkg.id.clone(),
        package: pkg.name.clone(),
        installed_version: pkg.version.clone(),
        fixed_version: fixed_version.clone(),
        status: *status,
        severity: *severity,
        layer_diff_id: pkg.layer_diff_id.clone(),
        data_source: data_source.clone(),
        advisory_ids: advisory_ids.clone(),
        aliases: aliases.clone(),
        notes: notes.clone(),
        detail: detail.clone(),
        severity_source: severity_source.clone(),
        cvss: cvss.clone(),
        cwes: cwes.clone(),
        kev: kev.clone(),
        epss: epss.clone(),
    }
}

/// Judges one package against one matcher's looked-up candidate records, pushing its
/// findings.
fn match_package(
    pkg: &Package,
    m: &dyn customs_match::Matcher,
    queries: &[customs_match::Query],
    looked_up: &HashMap<(&str, &str), Vec<Advisory>>,
    out: &mut Vec<Finding>,
) {
    let mut all: Vec<&Advisory> = Vec::new();
    for q in queries {
        if let Some(advs) = looked_up.get(&(q.namespace.as_str(), q.package.as_str())) {
            all.extend(advs);
        }
    }
    for mut advs in cluster_by_alias(&all) {
        advs.sort_by(|a, b| {
            (m.feed_precedence(&a.source), &a.source, &a.record_id).cmp(&(
                m.feed_precedence(&b.source),
                &b.source,
                &b.record_id,
            ))
        });
        let best = m.feed_precedence(&advs[0].source);
        // Among the deciding feed's records (a feed may list several fixes), the
        // first one that says "affected" wins; otherwise an indeterminate one.
        let mut decided: Option<(Verdict, &Advisory)> = None;
        for &adv in advs.iter().filter(|a| m.feed_precedence(&a.source) == best) {
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
                (Verdict::Indeterminate { .. }, None | Some((Verdict::NotAffected { .. }, _)))
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
            // The vendor's own "not affected" statement is kept as a finding with
            // that status (hidden by default, shown with --show-not-affected); a
            // version outside the range is simply no finding.
            Verdict::NotAffected { reason } if adv.status == Status::NotAffected => {
                (Status::NotAffected, reason)
            }
            Verdict::NotAffected { .. } => continue,
        };
        // Named, and its advisory ids collected, only now that it is a finding.
        let (vuln, aliases) = name_and_aliases(&advs);
        let mut advisory_ids: Vec<String> = advs
            .iter()
            .flat_map(|a| a.advisory_ids.iter().cloned())
            .collect();
        advisory_ids.sort();
        advisory_ids.dedup();
        out.push(Finding {
            vulnerability_id: vuln,
            package_id: pkg.id.clone(),
            package: pkg.name.clone(),
            installed_version: pkg.version.clone(),
            fixed_version: adv.fixed_version.clone(),
            status,
            severity: adv.severity,
            layer_diff_id: pkg.layer_diff_id.clone(),
            data_source: adv.source.clone(),
            advisory_ids,
            aliases,
            notes: adv.notes.clone(),
            detail: MatchDetail {
                record_id: adv.record_id.clone(),
                matched_by: adv.package.clone(),
                condition,
            },
            severity_source: None,
            cvss: Vec::new(),
            cwes: Vec::new(),
            kev: None,
            epss: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use customs_model::{AffectedRange, Severity};

    use super::*;

    fn adv(id: &str, aliases: &[&str], source: &str) -> Advisory {
        Advisory {
            vulnerability_id: id.into(),
            namespace: "pypi".into(),
            package: "requests".into(),
            scheme: "pep440".into(),
            status: Status::Fixed,
            affected: AffectedRange::LessThan("2.20.0".into()),
            fixed_version: Some("2.20.0".into()),
            severity: Severity::Medium,
            advisory_ids: vec![],
            aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
            notes: None,
            source: source.into(),
            record_id: id.into(),
        }
    }

    #[test]
    fn records_sharing_an_alias_become_one_vulnerability_named_by_its_cve() {
        let advs = [
            adv(
                "PYSEC-2018-28",
                &["CVE-2018-18074", "GHSA-x84v-xcm2-53pg"],
                "osv",
            ),
            adv("GHSA-x84v-xcm2-53pg", &["CVE-2018-18074"], "ghsa"),
            adv(
                "PYSEC-2023-74",
                &["CVE-2023-32681", "GHSA-j8r2-6x86-q33q"],
                "osv",
            ),
            adv("GHSA-aaaa-bbbb-cccc", &[], "ghsa"),
        ];
        let refs: Vec<&Advisory> = advs.iter().collect();
        let groups = cluster_by_alias(&refs);
        let named: Vec<(String, Vec<String>, usize)> = groups
            .iter()
            .map(|g| {
                let (name, aliases) = name_and_aliases(g);
                (name, aliases, g.len())
            })
            .collect();
        let mut names: Vec<(&str, usize, Vec<&str>)> = named
            .iter()
            .map(|(n, aliases, len)| {
                (
                    n.as_str(),
                    *len,
                    aliases.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                (
                    "CVE-2018-18074",
                    2,
                    vec!["GHSA-x84v-xcm2-53pg", "PYSEC-2018-28"]
                ),
                (
                    "CVE-2023-32681",
                    1,
                    vec!["GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"]
                ),
                ("GHSA-aaaa-bbbb-cccc", 1, vec![]),
            ]
        );
    }
}
