//! The generic comparator syntax used by [`crate::VersionScheme::satisfies`]'s default.

use std::cmp::Ordering;

use crate::VersionError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComparatorOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl ComparatorOp {
    pub fn holds(self, ord: Ordering) -> bool {
        match self {
            ComparatorOp::Lt => ord == Ordering::Less,
            ComparatorOp::Le => ord != Ordering::Greater,
            ComparatorOp::Gt => ord == Ordering::Greater,
            ComparatorOp::Ge => ord != Ordering::Less,
            ComparatorOp::Eq => ord == Ordering::Equal,
            ComparatorOp::Ne => ord != Ordering::Equal,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparator {
    pub op: ComparatorOp,
    pub version: String,
}

/// Parses `>= 1.0, < 1.4 || = 2.0` into OR-groups of AND-ed comparators.
pub fn parse_comparator_set(
    scheme: &'static str,
    range: &str,
) -> Result<Vec<Vec<Comparator>>, VersionError> {
    let bad = |reason: &str| VersionError::InvalidRange {
        scheme,
        range: range.chars().take(200).collect(),
        reason: reason.to_owned(),
    };
    let mut groups = Vec::new();
    for group in range.split("||") {
        let mut comps = Vec::new();
        let mut rest = group.trim();
        while !rest.is_empty() {
            let (op, after) = if let Some(r) = rest.strip_prefix(">=") {
                (ComparatorOp::Ge, r)
            } else if let Some(r) = rest.strip_prefix("<=") {
                (ComparatorOp::Le, r)
            } else if let Some(r) = rest.strip_prefix("!=") {
                (ComparatorOp::Ne, r)
            } else if let Some(r) = rest.strip_prefix("==") {
                (ComparatorOp::Eq, r)
            } else if let Some(r) = rest.strip_prefix('>') {
                (ComparatorOp::Gt, r)
            } else if let Some(r) = rest.strip_prefix('<') {
                (ComparatorOp::Lt, r)
            } else if let Some(r) = rest.strip_prefix('=') {
                (ComparatorOp::Eq, r)
            } else {
                return Err(bad("expected one of < <= > >= = != before each version"));
            };
            let after = after.trim_start();
            let end = after
                .find(|c: char| c == ',' || c.is_whitespace())
                .unwrap_or(after.len());
            let version = &after[..end];
            if version.is_empty() {
                return Err(bad("a comparator has no version"));
            }
            comps.push(Comparator {
                op,
                version: version.to_owned(),
            });
            rest = after[end..].trim_start_matches(|c: char| c == ',' || c.is_whitespace());
        }
        if comps.is_empty() {
            return Err(bad("empty comparator group"));
        }
        groups.push(comps);
    }
    Ok(groups)
}
