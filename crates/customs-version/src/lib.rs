//! The version-scheme interface, and range evaluation over any scheme.
//!
//! Each ecosystem crate implements [`VersionScheme`] for its own ordering (dpkg, rpm, apk,
//! PEP 440, ...). This crate knows none of them by name: it only evaluates an
//! [`AffectedRange`] with whatever scheme it is handed.
//!
//! The central rule: a version the scheme cannot parse yields [`Verdict::Indeterminate`],
//! never "not affected". A scanner that silently drops what it does not understand reports
//! an image as clean when it is not.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

use customs_model::{AffectedRange, OsvEvent};

mod range;

pub use range::{Comparator, ComparatorOp, parse_comparator_set};

/// A version that the scheme cannot parse, or a range it cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error("invalid {scheme} version {version:?}: {reason}")]
    InvalidVersion {
        scheme: &'static str,
        version: String,
        reason: String,
    },
    #[error("invalid {scheme} range {range:?}: {reason}")]
    InvalidRange {
        scheme: &'static str,
        range: String,
        reason: String,
    },
    #[error("unknown version scheme {0:?}")]
    UnknownScheme(String),
}

impl VersionError {
    pub fn invalid(scheme: &'static str, version: &str, reason: impl Into<String>) -> Self {
        VersionError::InvalidVersion {
            scheme,
            version: version.chars().take(200).collect(),
            reason: reason.into(),
        }
    }
}

/// One ecosystem's version ordering. Object-safe so that schemes can be looked up by name.
pub trait VersionScheme: Send + Sync {
    /// The scheme's short name, as used on the command line and in the store: `deb`, `rpm`.
    fn name(&self) -> &'static str;

    /// Checks that `version` is valid in this scheme.
    fn validate(&self, version: &str) -> Result<(), VersionError>;

    /// Orders two versions.
    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError>;
    /// True when [`VersionScheme::compare`] parses both versions as strictly as
    /// [`VersionScheme::validate`] (failing exactly when one is invalid), so [`evaluate`] can
    /// skip validating the installed version before comparing it. False by default.
    fn compare_validates(&self) -> bool {
        false
    }

    /// Whether `version` satisfies `range`, written in the ecosystem's native range syntax.
    ///
    /// The default reads a generic syntax that feeds use for schemes without their own:
    /// comparators (`<`, `<=`, `>`, `>=`, `=`, `!=`) separated by commas or spaces are `ANDed`,
    /// and groups separated by `||` are `ORed`: `>= 1.0, < 1.4 || = 2.0`.
    fn satisfies(&self, version: &str, range: &str) -> Result<bool, VersionError> {
        let groups = parse_comparator_set(self.name(), range)?;
        for group in &groups {
            let mut all = true;
            for c in group {
                if !c.op.holds(self.compare(version, &c.version)?) {
                    all = false;
                    break;
                }
            }
            if all {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// The outcome of evaluating one installed version against one affected range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Affected; `condition` says which comparison made it so.
    Affected { condition: String },
    /// Not affected; `reason` says why (for `customs explain`).
    NotAffected { reason: String },
    /// The comparison could not be made.
    Indeterminate { reason: String },
}

/// Evaluates whether `installed` falls in `range` under `scheme`.
pub fn evaluate(scheme: &dyn VersionScheme, installed: &str, range: &AffectedRange) -> Verdict {
    let name = scheme.name();
    let invalid = |e: VersionError| Verdict::Indeterminate {
        reason: e.to_string(),
    };
    // Comparing parses the installed version anyway, so it is validated up front only where
    // no comparison follows; when a comparison fails, the installed version's own error
    // (if it has one) is the reason, exactly as if it had been validated first.
    let cmp = |a: &str, b: &str| {
        scheme
            .compare(a, b)
            .map_err(|e| scheme.validate(installed).err().unwrap_or(e))
    };
    let needs_validation = !scheme.compare_validates()
        || match range {
            AffectedRange::LessThan(_) => false,
            AffectedRange::Versions(list) => list.is_empty(),
            AffectedRange::All | AffectedRange::Nothing | AffectedRange::Osv(_) => true,
        };
    if needs_validation && let Err(e) = scheme.validate(installed) {
        return invalid(e);
    }
    match range {
        AffectedRange::All => Verdict::Affected {
            condition: format!("all versions ({name})"),
        },
        AffectedRange::Nothing => Verdict::NotAffected {
            reason: "vendor: not affected".into(),
        },
        AffectedRange::LessThan(fixed) => match cmp(installed, fixed) {
            Ok(Ordering::Less) => Verdict::Affected {
                condition: comparison(installed, " < ", fixed, name),
            },
            Ok(_) => Verdict::NotAffected {
                reason: comparison(installed, " >= ", fixed, name),
            },
            Err(e) => invalid(e),
        },
        AffectedRange::Versions(list) => {
            for v in list {
                match cmp(installed, v) {
                    Ok(Ordering::Equal) => {
                        return Verdict::Affected {
                            condition: format!("{installed} = {v} ({name})"),
                        };
                    }
                    Ok(_) => {}
                    Err(e) => return invalid(e),
                }
            }
            Verdict::NotAffected {
                reason: format!(
                    "{installed} is not among the {} listed versions",
                    list.len()
                ),
            }
        }
        AffectedRange::Osv(events) => evaluate_osv(scheme, installed, events),
    }
}

/// `"{installed}{op}{other} ({scheme})"`, built directly: matching formats one of these per
/// candidate record, and `format!`'s machinery was a tenth of matching's instructions.
fn comparison(installed: &str, op: &str, other: &str, scheme: &str) -> String {
    let mut s = String::with_capacity(installed.len() + op.len() + other.len() + scheme.len() + 3);
    for part in [installed, op, other, " (", scheme, ")"] {
        s.push_str(part);
    }
    s
}

/// OSV range semantics (<https://ossf.github.io/osv-schema/#evaluation>): the version is
/// affected when some `introduced` is at or below it and no `fixed` (at or below it) or
/// `last_affected` (below it) comes between; a `limit` caps the range from above.
fn evaluate_osv(scheme: &dyn VersionScheme, installed: &str, events: &[OsvEvent]) -> Verdict {
    let name = scheme.name();
    // Sort events by version; "0" as introduced means "from the beginning".
    let mut keyed: Vec<(&str, &OsvEvent)> = Vec::with_capacity(events.len());
    for e in events {
        let v = match e {
            OsvEvent::Introduced(v)
            | OsvEvent::Fixed(v)
            | OsvEvent::LastAffected(v)
            | OsvEvent::Limit(v) => v.as_str(),
        };
        keyed.push((v, e));
    }
    let mut err = None;
    keyed.sort_by(|(a, _), (b, _)| {
        if *a == "0" && *b == "0" {
            return Ordering::Equal;
        }
        if *a == "0" {
            return Ordering::Less;
        }
        if *b == "0" {
            return Ordering::Greater;
        }
        scheme.compare(a, b).unwrap_or_else(|e| {
            err.get_or_insert(e);
            Ordering::Equal
        })
    });
    if let Some(e) = err {
        return Verdict::Indeterminate {
            reason: e.to_string(),
        };
    }
    let mut affected_from: Option<&str> = None;
    for (v, e) in &keyed {
        let ord = if *v == "0" {
            Ordering::Greater
        } else {
            match scheme.compare(installed, v) {
                Ok(o) => o,
                Err(e) => {
                    return Verdict::Indeterminate {
                        reason: e.to_string(),
                    };
                }
            }
        };
        match e {
            OsvEvent::Introduced(_) => {
                if ord != Ordering::Less && affected_from.is_none() {
                    affected_from = Some(v);
                }
            }
            OsvEvent::Fixed(_) => {
                if ord != Ordering::Less {
                    affected_from = None;
                } else if let Some(from) = affected_from {
                    return Verdict::Affected {
                        condition: format!("{from} <= {installed} < {v} ({name})"),
                    };
                }
            }
            OsvEvent::LastAffected(_) => {
                if ord == Ordering::Greater {
                    affected_from = None;
                } else if let Some(from) = affected_from {
                    return Verdict::Affected {
                        condition: format!("{from} <= {installed} <= {v} ({name})"),
                    };
                }
            }
            OsvEvent::Limit(_) => {
                if ord != Ordering::Less {
                    affected_from = None;
                }
            }
        }
    }
    match affected_from {
        Some(from) => Verdict::Affected {
            condition: format!("{installed} >= {from}, no fix ({name})"),
        },
        None => Verdict::NotAffected {
            reason: format!("{installed} is outside every OSV range ({name})"),
        },
    }
}

/// Schemes by name; the ecosystem registry fills it.
#[derive(Clone, Default)]
pub struct Schemes {
    by_name: BTreeMap<&'static str, Arc<dyn VersionScheme>>,
}

impl std::fmt::Debug for Schemes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.by_name.keys()).finish()
    }
}

impl Schemes {
    pub fn register(&mut self, scheme: Arc<dyn VersionScheme>) {
        self.by_name.insert(scheme.name(), scheme);
    }

    pub fn get(&self, name: &str) -> Result<&dyn VersionScheme, VersionError> {
        self.by_name
            .get(name)
            .map(AsRef::as_ref)
            .ok_or_else(|| VersionError::UnknownScheme(name.to_owned()))
    }

    /// The scheme named `name`, shareable across threads.
    pub fn get_arc(&self, name: &str) -> Option<Arc<dyn VersionScheme>> {
        self.by_name.get(name).cloned()
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.by_name.keys().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Dotted decimal integers: enough to test range evaluation without an ecosystem.
    struct Dotted;
    impl VersionScheme for Dotted {
        fn name(&self) -> &'static str {
            "dotted"
        }
        fn validate(&self, v: &str) -> Result<(), VersionError> {
            parse(v).map(|_| ())
        }
        fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
            Ok(parse(a)?.cmp(&parse(b)?))
        }
    }
    fn parse(v: &str) -> Result<Vec<u64>, VersionError> {
        v.split('.')
            .map(|p| {
                p.parse()
                    .map_err(|_| VersionError::invalid("dotted", v, "not a number"))
            })
            .collect()
    }

    fn osv(events: &[(&str, &str)]) -> AffectedRange {
        AffectedRange::Osv(
            events
                .iter()
                .map(|(k, v)| match *k {
                    "introduced" => OsvEvent::Introduced((*v).into()),
                    "fixed" => OsvEvent::Fixed((*v).into()),
                    "last_affected" => OsvEvent::LastAffected((*v).into()),
                    _ => OsvEvent::Limit((*v).into()),
                })
                .collect(),
        )
    }

    fn affected(v: &str, r: &AffectedRange) -> Option<bool> {
        match evaluate(&Dotted, v, r) {
            Verdict::Affected { .. } => Some(true),
            Verdict::NotAffected { .. } => Some(false),
            Verdict::Indeterminate { .. } => None,
        }
    }

    #[test]
    fn less_than_and_unparseable() {
        let r = AffectedRange::LessThan("1.2".into());
        assert_eq!(affected("1.1", &r), Some(true));
        assert_eq!(affected("1.2", &r), Some(false));
        assert_eq!(
            affected("1.x", &r),
            None,
            "unparseable must be indeterminate"
        );
        assert_eq!(
            affected("1.1", &AffectedRange::LessThan("bad!".into())),
            None
        );
    }

    #[test]
    fn osv_ranges() {
        let r = osv(&[
            ("introduced", "0"),
            ("fixed", "1.5"),
            ("introduced", "2.0"),
            ("last_affected", "2.3"),
        ]);
        assert_eq!(affected("1.0", &r), Some(true));
        assert_eq!(affected("1.5", &r), Some(false));
        assert_eq!(affected("1.9", &r), Some(false));
        assert_eq!(affected("2.0", &r), Some(true));
        assert_eq!(affected("2.3", &r), Some(true));
        assert_eq!(affected("2.4", &r), Some(false));
        let open = osv(&[("introduced", "3.0")]);
        assert_eq!(affected("2.9", &open), Some(false));
        assert_eq!(affected("7.0", &open), Some(true));
        let limited = osv(&[("introduced", "1.0"), ("limit", "1.4")]);
        assert_eq!(affected("1.3", &limited), Some(true));
        assert_eq!(affected("1.4", &limited), Some(false));
    }

    #[test]
    fn version_lists_and_generic_ranges() {
        let r = AffectedRange::Versions(vec!["1.0".into(), "1.2".into()]);
        assert_eq!(affected("1.2", &r), Some(true));
        assert_eq!(affected("1.1", &r), Some(false));
        assert!(Dotted.satisfies("1.3", ">= 1.0, < 1.4 || = 2.0").unwrap());
        assert!(Dotted.satisfies("2.0", ">=1.0 <1.4 || =2.0").unwrap());
        assert!(!Dotted.satisfies("1.4", ">= 1.0, < 1.4 || = 2.0").unwrap());
        assert!(Dotted.satisfies("1.4", "~> 1").is_err());
    }
}
