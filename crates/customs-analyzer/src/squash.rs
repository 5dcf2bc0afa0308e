//! Replaying layers in order, as an overlay filesystem would, to get the final view.

use std::collections::BTreeMap;

use customs_model::{Digest, Distro, Package};

use crate::{Diagnostic, FileFacts, LayerFindings, normalize_path};

/// The image as a container sees it: surviving packages (each credited to the layer that
/// introduced it), the detected distro, and every diagnostic.
#[derive(Debug, Clone, Default)]
pub struct Squashed {
    pub packages: Vec<Package>,
    pub distro: Option<Distro>,
    /// Repositories declared by surviving files (sorted, unique).
    pub repositories: Vec<String>,
    pub diagnostics: Vec<(Option<Digest>, Diagnostic)>,
}

struct Entry {
    facts: FileFacts,
    /// For each package of `facts`, the index of the layer that introduced it.
    intro: Vec<usize>,
}

fn same_package(a: &Package, b: &Package) -> bool {
    a.ecosystem == b.ecosystem && a.name == b.name && a.version == b.version && a.arch == b.arch
}

fn remove_below(state: &mut BTreeMap<String, Entry>, dir: &str, including_self: bool) {
    if including_self {
        state.remove(dir);
    }
    if dir.is_empty() {
        state.clear();
        return;
    }
    let prefix = format!("{dir}/");
    let doomed: Vec<String> = state
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(k, _)| k.clone())
        .collect();
    for k in doomed {
        state.remove(&k);
    }
}

/// Squashes layers given bottom-first, each with its `diff_id` (absent for a plain root
/// filesystem).
pub fn squash(layers: &[(Option<Digest>, &LayerFindings)]) -> Squashed {
    let mut state: BTreeMap<String, Entry> = BTreeMap::new();
    let mut diagnostics = Vec::new();
    for (i, (diff_id, layer)) in layers.iter().enumerate() {
        // Whiteouts hide lower layers only, so they apply before this layer's own files.
        for dir in &layer.opaque_dirs {
            remove_below(&mut state, dir, false);
        }
        for path in &layer.whiteouts {
            remove_below(&mut state, path, true);
        }
        for (path, facts) in &layer.files {
            let previous = state.remove(path);
            let intro = facts
                .packages
                .iter()
                .map(|p| {
                    previous
                        .as_ref()
                        .and_then(|prev| {
                            prev.facts
                                .packages
                                .iter()
                                .position(|q| same_package(p, q))
                                .map(|k| prev.intro[k])
                        })
                        .unwrap_or(i)
                })
                .collect();
            state.insert(
                path.clone(),
                Entry {
                    facts: facts.clone(),
                    intro,
                },
            );
        }
        diagnostics.extend(
            layer
                .diagnostics
                .iter()
                .map(|d| (diff_id.clone(), d.clone())),
        );
    }

    let mut owned: BTreeMap<&str, &Vec<String>> = BTreeMap::new();
    for entry in state.values() {
        for (k, v) in &entry.facts.owned_files {
            owned.insert(k, v);
        }
    }
    let mut packages = Vec::new();
    for entry in state.values() {
        for (p, &layer) in entry.facts.packages.iter().zip(&entry.intro) {
            let mut p = p.clone();
            p.layer_diff_id.clone_from(&layers[layer].0);
            if p.files.is_empty()
                && let Some(files) = owned.get(format!("{}:{}", p.ecosystem, p.name).as_str())
            {
                p.files.clone_from(files);
            }
            packages.push(p);
        }
    }
    packages.sort_by(|a, b| {
        (&a.ecosystem, &a.name, &a.version, &a.arch, &a.found_in).cmp(&(
            &b.ecosystem,
            &b.name,
            &b.version,
            &b.arch,
            &b.found_in,
        ))
    });
    packages.dedup_by(|a, b| a.id == b.id);
    fold_os_owned(&mut packages);

    let mut repositories: Vec<String> = state
        .values()
        .flat_map(|e| e.facts.repositories.iter().cloned())
        .collect();
    repositories.sort();
    repositories.dedup();
    Squashed {
        packages,
        distro: detect_distro(&state),
        repositories,
        diagnostics,
    }
}

/// Application packages whose metadata file is owned by an installed package of another
/// ecosystem (Debian's `python3-requests` owns `.../requests-2.28.1.egg-info/PKG-INFO`) are
/// reported once, as the owner: they are removed and their purl is added to the owner's
/// `provides`. A path inside an archive (`lib/app.jar!META-INF/...`) is owned when the
/// archive is.
fn fold_os_owned(packages: &mut Vec<Package>) {
    let mut owner_of: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, p) in packages.iter().enumerate() {
        if p.origin == customs_model::PackageOrigin::Installed {
            for f in &p.files {
                owner_of.entry(f.as_str()).or_insert(i);
            }
        }
    }
    if owner_of.is_empty() {
        return;
    }
    let mut folded: Vec<(usize, usize)> = Vec::new();
    for (i, p) in packages.iter().enumerate() {
        let on_disk = p.found_in.split('!').next().unwrap_or(&p.found_in);
        if let Some(&o) = owner_of.get(on_disk)
            && packages[o].ecosystem != p.ecosystem
        {
            folded.push((i, o));
        }
    }
    if folded.is_empty() {
        return;
    }
    for &(i, o) in &folded {
        let purl = packages[i].purl.as_str().to_owned();
        let provides = &mut packages[o].provides;
        if !provides.contains(&purl) {
            provides.push(purl);
        }
    }
    let mut drop = vec![false; packages.len()];
    for &(i, _) in &folded {
        drop[i] = true;
    }
    let mut k = 0;
    packages.retain(|_| {
        k += 1;
        !drop[k - 1]
    });
    for p in packages.iter_mut() {
        p.provides.sort();
    }
}

/// Follows links (at most 16 hops) within the image root.
fn resolve<'a>(state: &'a BTreeMap<String, Entry>, path: &str) -> Option<&'a FileFacts> {
    let mut current = path.to_owned();
    for _ in 0..16 {
        let facts = &state.get(&current)?.facts;
        let Some(target) = &facts.link else {
            return Some(facts);
        };
        let joined = if let Some(abs) = target.strip_prefix('/') {
            abs.to_owned()
        } else {
            match current.rsplit_once('/') {
                Some((dir, _)) => format!("{dir}/{target}"),
                None => target.clone(),
            }
        };
        // Like the kernel, ".." at the root stays at the root: links cannot leave the image.
        current = normalize_path_clamped(&joined);
    }
    None
}

fn normalize_path_clamped(p: &str) -> String {
    normalize_path(p).unwrap_or_else(|| {
        let mut out: Vec<&str> = Vec::new();
        for seg in p.split('/') {
            match seg {
                "" | "." => {}
                ".." => {
                    out.pop();
                }
                s => out.push(s),
            }
        }
        out.join("/")
    })
}

fn detect_distro(state: &BTreeMap<String, Entry>) -> Option<Distro> {
    let mut candidates: Vec<(&String, &crate::ReleaseFile)> = state
        .keys()
        .filter_map(|path| {
            resolve(state, path)
                .and_then(|f| f.release.as_ref())
                .map(|r| (path, r))
        })
        .collect();
    candidates.sort_by(|a, b| b.1.priority.cmp(&a.1.priority).then_with(|| a.0.cmp(b.0)));
    let mut best = candidates.first()?.1.distro.clone();
    for (_, other) in &candidates[1..] {
        let o = &other.distro;
        if o.id != best.id && o.family != best.family {
            continue;
        }
        if best.version.is_empty() && !o.version.is_empty() {
            best.version.clone_from(&o.version);
        }
        if best.codename.is_none() {
            best.codename.clone_from(&o.codename);
        }
    }
    Some(best)
}

#[cfg(test)]
mod tests {
    use customs_model::{PackageOrigin, Purl};

    use super::*;

    fn pkg(name: &str, version: &str, path: &str) -> Package {
        Package {
            id: Package::compute_id("deb", name, version, None, path),
            ecosystem: "deb".into(),
            name: name.into(),
            version: version.into(),
            arch: None,
            source_name: None,
            source_version: None,
            purl: Purl::new("deb", None, name, Some(version), &[]),
            layer_diff_id: None,
            found_in: path.into(),
            origin: PackageOrigin::Installed,
            licenses: vec![],
            files: vec![],
            scope: None,
            provides: Vec::new(),
        }
    }

    #[allow(clippy::unnecessary_wraps)] // layers carry Option<Digest>; this keeps tests short
    fn d(n: u8) -> Option<Digest> {
        Some(Digest::sha256_of(&[n]))
    }

    #[test]
    fn credits_the_introducing_layer_and_applies_whiteouts() {
        let status = "var/lib/dpkg/status";
        let mut l0 = LayerFindings::default();
        l0.add_packages(
            status,
            [pkg("libc6", "2.36", status), pkg("bash", "5.2", status)],
        );
        l0.add_packages("opt/app/status", [pkg("tool", "1", "opt/app/status")]);
        let mut l1 = LayerFindings::default();
        l1.add_packages(
            status,
            [
                pkg("libc6", "2.36", status),
                pkg("bash", "5.2.1", status),
                pkg("openssl", "3.0", status),
            ],
        );
        l1.whiteouts.push("opt/app".into());
        let mut l2 = LayerFindings::default();
        l2.opaque_dirs.push("var/lib".into());
        l2.add_packages("var/lib/other", [pkg("x", "1", "var/lib/other")]);

        let s = squash(&[(d(0), &l0), (d(1), &l1)]);
        let got: Vec<_> = s
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.layer_diff_id.clone()))
            .collect();
        assert_eq!(
            got,
            vec![("bash", d(1)), ("libc6", d(0)), ("openssl", d(1))]
        );

        let s = squash(&[(d(0), &l0), (d(1), &l1), (d(2), &l2)]);
        let got: Vec<_> = s.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            got,
            vec!["x"],
            "the opaque var/lib hides the dpkg status of lower layers"
        );
    }

    #[test]
    fn release_files_resolve_through_links() {
        let mut l0 = LayerFindings::default();
        let distro = Distro {
            id: "debian".into(),
            family: "debian".into(),
            version: "12".into(),
            codename: Some("bookworm".into()),
            pretty_name: None,
            source_file: "usr/lib/os-release".into(),
        };
        l0.set_release("usr/lib/os-release", 90, distro.clone());
        l0.files.insert(
            "etc/os-release".into(),
            FileFacts {
                link: Some("../../../../usr/lib/os-release".into()),
                ..Default::default()
            },
        );
        let s = squash(&[(d(0), &l0)]);
        assert_eq!(s.distro.as_ref(), Some(&distro));
        let mut l1 = LayerFindings::default();
        l1.whiteouts.push("usr/lib/os-release".into());
        let s = squash(&[(d(0), &l0), (d(1), &l1)]);
        assert_eq!(s.distro, None);
    }

    #[test]
    fn application_packages_owned_by_an_os_package_fold_into_it() {
        let status = "var/lib/dpkg/status";
        let meta = "usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO";
        let jar = "usr/share/java/commons-io.jar";
        let mut os = pkg("python3-requests", "2.28.1+dfsg-1", status);
        os.files = vec![meta.into()];
        let mut java = pkg("libcommons-io-java", "2.11.0-2", status);
        java.files = vec![jar.into()];
        let mut l0 = LayerFindings::default();
        l0.add_packages(status, [os, java]);
        let pypi = |name: &str, path: &str| {
            Package::new(
                "pypi",
                name,
                "2.28.1",
                Purl::new("pypi", None, name, Some("2.28.1"), &[]),
                path,
                PackageOrigin::Installed,
            )
        };
        let mut l1 = LayerFindings::default();
        l1.add_packages(meta, [pypi("requests", meta)]);
        let nested = format!("{jar}!META-INF/maven/commons-io/commons-io/pom.properties");
        l1.add_packages(&nested, [pypi("inside-jar", &nested)]);
        let own = "opt/venv/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA";
        l1.add_packages(own, [pypi("requests", own)]);
        let s = squash(&[(d(0), &l0), (d(1), &l1)]);
        let names: Vec<(&str, &str)> = s
            .packages
            .iter()
            .map(|p| (p.ecosystem.as_str(), p.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("deb", "libcommons-io-java"),
                ("deb", "python3-requests"),
                ("pypi", "requests")
            ]
        );
        assert_eq!(s.packages[2].found_in, own);
        assert_eq!(
            s.packages[1].provides,
            ["pkg:pypi/requests@2.28.1".to_owned()]
        );
        assert_eq!(
            s.packages[0].provides,
            ["pkg:pypi/inside-jar@2.28.1".to_owned()]
        );
    }
}
