//! Wolfi and Chainguard: rolling apk distributions whose security databases use Alpine's
//! secdb JSON format (`packages[].pkg.{name, secfixes}`), one file per repository:
//! `https://packages.wolfi.dev/os/security.json` and
//! `https://packages.cgr.dev/chainguard/security.json`.
//!
//! Differences from Alpine, and how they are handled:
//! - There is no `distroversion` (one rolling branch), so every advisory lands in one fixed
//!   namespace: `wolfi:rolling` or `chainguard:rolling` (vunnel and grype use the same).
//! - Keys are origin (source) package names, as in Alpine: matching uses the apk `origin`.
//! - A fix "in version 0" means the package was never affected (`not_affected`), as in
//!   Alpine. vunnel keeps these as a `FixedIn` of version `0`, which grype reads the same
//!   way (no apk version sorts below `0`).
//!
//! The parsing itself is Alpine's ([`crate::secdb`]); only the kind and namespace differ.

use std::io::Read;

use customs_apk::ApkScheme;
use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_match::{Matcher, Query, Verdict};
use customs_model::{Advisory, Distro, Package, Status};

use crate::secdb::parse_secdb;

/// The Wolfi feed kind.
pub const WOLFI_KIND: &str = "wolfi-secdb";
/// The Chainguard feed kind.
pub const CHAINGUARD_KIND: &str = "chainguard-secdb";
/// The namespace of every Wolfi advisory.
pub const WOLFI_NAMESPACE: &str = "wolfi:rolling";
/// The namespace of every Chainguard advisory.
pub const CHAINGUARD_NAMESPACE: &str = "chainguard:rolling";

/// The `wolfi-secdb` feed. A unit struct: construct it as `WolfiSecdbParser`.
#[derive(Debug, Default, Clone, Copy)]
pub struct WolfiSecdbParser;

/// The `chainguard-secdb` feed. A unit struct: construct it as `ChainguardSecdbParser`.
#[derive(Debug, Default, Clone, Copy)]
pub struct ChainguardSecdbParser;

impl FeedParser for WolfiSecdbParser {
    fn kind(&self) -> &'static str {
        WOLFI_KIND
    }

    fn description(&self) -> &'static str {
        "Wolfi secdb: fixed versions of Wolfi (os repository) packages"
    }

    fn default_locations(&self) -> Vec<String> {
        vec!["https://packages.wolfi.dev/os/security.json".to_owned()]
    }

    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(Advisory),
    ) -> Result<(), FeedError> {
        parse_secdb(input, body, WOLFI_KIND, Some(WOLFI_NAMESPACE), emit)
    }
}

impl FeedParser for ChainguardSecdbParser {
    fn kind(&self) -> &'static str {
        CHAINGUARD_KIND
    }

    fn description(&self) -> &'static str {
        "Chainguard secdb: fixed versions of Chainguard (enterprise repository) packages"
    }

    fn default_locations(&self) -> Vec<String> {
        vec!["https://packages.cgr.dev/chainguard/security.json".to_owned()]
    }

    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(Advisory),
    ) -> Result<(), FeedError> {
        parse_secdb(
            input,
            body,
            CHAINGUARD_KIND,
            Some(CHAINGUARD_NAMESPACE),
            emit,
        )
    }
}

/// The queries of an apk package on a rolling distro of `family`, in `namespace`.
fn rolling_queries(
    family: &str,
    namespace: &str,
    pkg: &Package,
    distro: Option<&Distro>,
) -> Vec<Query> {
    match distro {
        Some(d) if pkg.ecosystem == "apk" && d.family == family => vec![Query {
            namespace: namespace.to_owned(),
            package: pkg.source_or_name().to_owned(),
        }],
        _ => Vec::new(),
    }
}

fn rolling_verdict(pkg: &Package, adv: &Advisory) -> Verdict {
    if adv.status == Status::NotAffected {
        return Verdict::NotAffected {
            reason: format!("{}: fixed in 0 (never affected)", adv.source),
        };
    }
    customs_version::evaluate(&ApkScheme, &pkg.version, &adv.affected)
}

/// Matches `apk` packages of Wolfi images (os-release `ID=wolfi`) against `wolfi:rolling`,
/// by origin. A unit struct: construct it as `WolfiMatcher`.
#[derive(Debug, Default, Clone, Copy)]
pub struct WolfiMatcher;

impl Matcher for WolfiMatcher {
    fn id(&self) -> &'static str {
        "wolfi"
    }

    fn queries(&self, pkg: &Package, distro: Option<&Distro>) -> Vec<Query> {
        rolling_queries("wolfi", WOLFI_NAMESPACE, pkg, distro)
    }

    fn verdict(&self, pkg: &Package, adv: &Advisory) -> Verdict {
        rolling_verdict(pkg, adv)
    }

    fn verdict_key<'p>(&self, pkg: &'p Package) -> Option<&'p str> {
        Some(&pkg.version)
    }
}

/// Matches `apk` packages of Chainguard images (os-release `ID=chainguard`) against
/// `chainguard:rolling`, by origin. A unit struct: construct it as `ChainguardMatcher`.
#[derive(Debug, Default, Clone, Copy)]
pub struct ChainguardMatcher;

impl Matcher for ChainguardMatcher {
    fn id(&self) -> &'static str {
        "chainguard"
    }

    fn queries(&self, pkg: &Package, distro: Option<&Distro>) -> Vec<Query> {
        rolling_queries("chainguard", CHAINGUARD_NAMESPACE, pkg, distro)
    }

    fn verdict(&self, pkg: &Package, adv: &Advisory) -> Verdict {
        rolling_verdict(pkg, adv)
    }

    fn verdict_key<'p>(&self, pkg: &'p Package) -> Option<&'p str> {
        Some(&pkg.version)
    }
}
