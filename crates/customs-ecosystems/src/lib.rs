//! The registry: the one place that names every ecosystem.
//!
//! Framework crates know no ecosystem by name; this crate lists them. Adding an ecosystem
//! means adding its folder under `ecosystems/` and one line per capability here; the test
//! `every_ecosystem_folder_is_registered` fails when a folder is not listed.

use std::sync::Arc;

use customs_analyzer::Analyzer;
use customs_feed::{EnrichmentParser, FeedParser};
use customs_match::Matcher;
use customs_model::{Distro, Package};
use customs_version::Schemes;

/// The ecosystem folders this registry wires in (checked against `ecosystems/` by a test).
pub const REGISTERED: &[&str] = &[
    "os-release",
    "dpkg",
    "debian",
    "rpm",
    "apk",
    "npm",
    "cargo",
    "pypi",
    "maven",
    "golang",
    "gem",
    "composer",
    "nuget",
    "alpine",
    "rhel",
    "suse",
    "ubuntu",
    "osv",
    "nvd",
    "amazon",
    "oracle",
    "mariner",
    "photon",
];

/// Every analyzer, in a fixed order.
pub fn analyzers() -> Vec<Arc<dyn Analyzer>> {
    vec![
        Arc::new(customs_os_release::OsReleaseAnalyzer),
        Arc::new(customs_dpkg::DpkgStatusAnalyzer),
        Arc::new(customs_debian::DebianVersionAnalyzer::new()),
        Arc::new(customs_rpm::RpmDbAnalyzer),
        Arc::new(customs_rpm::RpmManifestAnalyzer),
        Arc::new(customs_rpm::ContentManifestAnalyzer),
        Arc::new(customs_dpkg::DpkgInfoAnalyzer::new()),
        Arc::new(customs_apk::ApkInstalledAnalyzer::new()),
        Arc::new(customs_alpine::AlpineReleaseAnalyzer),
        Arc::new(customs_rhel::RedHatReleaseAnalyzer),
        Arc::new(customs_suse::SuseReleaseAnalyzer),
        Arc::new(customs_ubuntu::LsbReleaseAnalyzer),
        // Application packages.
        Arc::new(customs_pypi::PythonInstalledAnalyzer),
        Arc::new(customs_pypi::PythonLockfileAnalyzer),
        Arc::new(customs_npm::NpmInstalledAnalyzer),
        Arc::new(customs_npm::NpmLockfileAnalyzer),
        Arc::new(customs_npm::YarnLockAnalyzer),
        Arc::new(customs_npm::PnpmLockAnalyzer),
        Arc::new(customs_gem::GemspecAnalyzer),
        Arc::new(customs_gem::GemfileLockAnalyzer),
        Arc::new(customs_composer::ComposerLockAnalyzer),
        Arc::new(customs_composer::ComposerInstalledAnalyzer),
        Arc::new(customs_nuget::DepsJsonAnalyzer),
        Arc::new(customs_nuget::PackagesLockAnalyzer),
        Arc::new(customs_cargo::CargoLockAnalyzer),
        Arc::new(customs_cargo::CargoAuditableAnalyzer),
        Arc::new(customs_golang::GoBinaryAnalyzer),
        Arc::new(customs_golang::GoModAnalyzer),
        Arc::new(customs_maven::JavaArchiveAnalyzer::new()),
    ]
}

/// Every feed parser.
pub fn feed_parsers() -> Vec<Arc<dyn FeedParser>> {
    vec![
        Arc::new(customs_debian::DebianOvalParser::new()),
        Arc::new(customs_debian::DebianTrackerParser::new()),
        Arc::new(customs_debian::DebianDsaParser::new()),
        Arc::new(customs_alpine::AlpineSecdbParser),
        Arc::new(customs_ubuntu::UbuntuOvalParser::new()),
        Arc::new(customs_ubuntu::UbuntuOsvParser),
        Arc::new(customs_rhel::OvalParser::redhat()),
        Arc::new(customs_rhel::CsafParser::new()),
        Arc::new(customs_rhel::OvalParser::rocky()),
        Arc::new(customs_rhel::OvalParser::alma()),
        Arc::new(customs_suse::SuseOvalParser::default()),
        Arc::new(customs_photon::PhotonCveParser::default()),
        Arc::new(customs_alpine::WolfiSecdbParser),
        Arc::new(customs_alpine::ChainguardSecdbParser),
        Arc::new(customs_amazon::AmazonAlasParser),
        Arc::new(customs_oracle::OracleElsaParser::default()),
        Arc::new(customs_mariner::MarinerOvalParser::default()),
        Arc::new(customs_osv::OsvFeedParser::osv()),
        Arc::new(customs_osv::OsvFeedParser::ghsa()),
    ]
}

/// Every enrichment feed (records about vulnerabilities, not packages).
pub fn enrichment_parsers() -> Vec<Arc<dyn EnrichmentParser>> {
    vec![
        Arc::new(customs_nvd::NvdParser),
        Arc::new(customs_nvd::KevParser),
        Arc::new(customs_nvd::EpssParser),
    ]
}

/// A feed of either kind, as `customs db update` and `customs db feeds` see them.
#[derive(Clone)]
pub enum Feed {
    Advisories(Arc<dyn FeedParser>),
    Enrichment(Arc<dyn EnrichmentParser>),
}

impl std::fmt::Debug for Feed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.kind())
    }
}

impl Feed {
    pub fn kind(&self) -> &'static str {
        match self {
            Feed::Advisories(p) => p.kind(),
            Feed::Enrichment(p) => p.kind(),
        }
    }

    pub fn description(&self) -> &'static str {
        match self {
            Feed::Advisories(p) => p.description(),
            Feed::Enrichment(p) => p.description(),
        }
    }

    pub fn default_locations(&self) -> Vec<String> {
        match self {
            Feed::Advisories(p) => p.default_locations(),
            Feed::Enrichment(p) => p.default_locations(),
        }
    }
}

/// Every feed: advisory feeds first, then enrichments.
pub fn feeds() -> Vec<Feed> {
    feed_parsers()
        .into_iter()
        .map(Feed::Advisories)
        .chain(enrichment_parsers().into_iter().map(Feed::Enrichment))
        .collect()
}

/// The feed of `kind`, of either sort.
pub fn feed(kind: &str) -> Option<Feed> {
    feeds().into_iter().find(|f| f.kind() == kind)
}

/// The feed parser for `kind`.
pub fn feed_parser(kind: &str) -> Option<Arc<dyn FeedParser>> {
    feed_parsers().into_iter().find(|p| p.kind() == kind)
}

/// Every version scheme, by name.
pub fn schemes() -> Schemes {
    let mut s = Schemes::default();
    s.register(Arc::new(customs_dpkg::DebScheme));
    s.register(Arc::new(customs_rpm::RpmScheme));
    s.register(Arc::new(customs_apk::ApkScheme));
    s.register(Arc::new(customs_npm::NpmScheme));
    s.register(Arc::new(customs_cargo::SemverScheme));
    s.register(Arc::new(customs_pypi::Pep440Scheme));
    s.register(Arc::new(customs_maven::MavenScheme));
    s.register(Arc::new(customs_golang::GoScheme));
    s.register(Arc::new(customs_gem::GemScheme));
    s.register(Arc::new(customs_composer::ComposerScheme));
    s.register(Arc::new(customs_nuget::NuGetScheme));
    s
}

/// The version scheme that orders versions of packages of `ecosystem` (the purl type).
pub fn scheme_of_ecosystem(ecosystem: &str) -> Option<&'static str> {
    Some(match ecosystem {
        "deb" => "deb",
        "rpm" => "rpm",
        "apk" => "apk",
        "npm" => "npm",
        "cargo" => "semver",
        "pypi" => "pep440",
        "maven" => "maven",
        "golang" => "go",
        "gem" => "gem",
        "composer" => "composer",
        "nuget" => "nuget",
        _ => return None,
    })
}

/// Every matcher.
pub fn matchers() -> Vec<Arc<dyn Matcher>> {
    vec![
        Arc::new(customs_debian::DebianMatcher),
        Arc::new(customs_alpine::AlpineMatcher),
        Arc::new(customs_ubuntu::UbuntuMatcher),
        Arc::new(customs_rhel::RhelMatcher),
        Arc::new(customs_suse::SuseMatcher),
        Arc::new(customs_photon::PhotonMatcher),
        Arc::new(customs_alpine::WolfiMatcher),
        Arc::new(customs_alpine::ChainguardMatcher),
        Arc::new(customs_amazon::AmazonMatcher),
        Arc::new(customs_oracle::OracleMatcher),
        Arc::new(customs_mariner::MarinerMatcher),
        Arc::new(customs_osv::OsvMatcher),
    ]
}

/// Fixes up packages once the distro is known (purls carry the distro as a qualifier).
pub fn finalize_packages(packages: &mut [Package], distro: Option<&Distro>) {
    for p in packages.iter_mut() {
        if matches!(p.ecosystem.as_str(), "rpm" | "apk")
            && let Some(d) = distro
        {
            let release = if d.version.is_empty() {
                d.codename.as_deref().unwrap_or("")
            } else {
                &d.version
            };
            p.purl = p
                .purl
                .with_qualifier("distro", &format!("{}-{release}", d.id));
        }
        if p.ecosystem == "deb" {
            let vendor = distro.map(|d| d.id.as_str());
            let qualifier = distro.map(|d| {
                format!(
                    "{}-{}",
                    d.id,
                    if d.version.is_empty() {
                        d.codename.as_deref().unwrap_or("")
                    } else {
                        &d.version
                    }
                )
            });
            p.purl = customs_dpkg::status::purl(
                &p.name,
                &p.version,
                p.arch.as_deref(),
                p.source_name.as_deref(),
                vendor,
                qualifier.as_deref(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ecosystem_folder_is_registered() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ecosystems");
        let mut missing = Vec::new();
        for e in std::fs::read_dir(dir).expect("ecosystems folder") {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            if !REGISTERED.contains(&name.as_str()) {
                missing.push(name);
            }
        }
        assert!(
            missing.is_empty(),
            "ecosystem folders not registered in customs-ecosystems: {missing:?}"
        );
    }

    #[test]
    fn feed_kinds_are_unique_and_analyzer_globs_valid() {
        let mut kinds: Vec<_> = feed_parsers().iter().map(|p| p.kind()).collect();
        let n = kinds.len();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), n);
        customs_analyzer::Dispatcher::new(analyzers()).expect("valid globs");
    }
}
