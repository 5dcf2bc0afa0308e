//! The `.customsignore` file: one rule per line.
//!
//! ```text
//! # Comments start with '#'. A rule is a vulnerability id, then optional key=value fields:
//! CVE-2023-4911
//! CVE-2023-5678 package=openssl expires=2027-01-31 reason="no TLS server in this image"
//! GHSA-jfh8-c2jp-5v3q purl=pkg:npm/lodash@4.17.4 reason=dev-only
//! ```
//!
//! * `package=NAME` limits the rule to packages with that name (binary or source name);
//! * `purl=PURL` limits it to packages whose purl matches ([`crate::purl_matches`]);
//! * `expires=YYYY-MM-DD`: from the day after, the rule no longer applies (and the CLI warns);
//! * `reason=TEXT` (quote it when it has spaces) is shown by `--show-suppressed`.
//!
//! A rule's id also matches a finding's advisory ids and aliases, so `DSA-5532-1` works.
//! Plain lines of ids — the `.trivyignore` shape — are valid rules, so those files work as is.
//! The format is line-based on purpose: easy to review in a diff, easy to generate.

use std::path::Path;

use customs_model::{Finding, Package};
use jiff::civil::Date;

use crate::{PolicyError, purl_matches, read_limited};

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreRule {
    pub vulnerability: String,
    pub package: Option<String>,
    pub purl: Option<String>,
    pub expires: Option<Date>,
    pub reason: Option<String>,
    /// The 1-based line it was read from.
    pub line: usize,
}

impl IgnoreRule {
    /// Whether the rule suppresses `finding` today.
    pub fn covers(&self, finding: &Finding, package: Option<&Package>, today: Date) -> bool {
        if self.expires.is_some_and(|e| e < today) {
            return false;
        }
        let id = &self.vulnerability;
        let id_matches = finding.vulnerability_id.eq_ignore_ascii_case(id)
            || finding
                .advisory_ids
                .iter()
                .chain(&finding.aliases)
                .any(|a| a.eq_ignore_ascii_case(id));
        if !id_matches {
            return false;
        }
        if let Some(name) = &self.package {
            let source = package.and_then(|p| p.source_name.as_deref());
            if finding.package != *name && source != Some(name.as_str()) {
                return false;
            }
        }
        if let Some(purl) = &self.purl {
            match package {
                Some(p) if purl_matches(purl, p.purl.as_str()) => {}
                _ => return false,
            }
        }
        true
    }
}

/// A parsed ignore file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreFile {
    /// Where it was read from (shown as the source of each suppression).
    pub path: String,
    pub rules: Vec<IgnoreRule>,
}

/// Splits a line into whitespace-separated tokens, honouring double quotes in values.
fn tokens(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => match chars.next() {
                Some(n) => cur.push(n),
                None => return Err("a backslash ends the line".into()),
            },
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            '#' if !quoted && cur.is_empty() => break,
            c => cur.push(c),
        }
    }
    if quoted {
        return Err("unterminated quote".into());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

impl IgnoreFile {
    pub fn parse(path: &str, text: &str) -> Result<Self, PolicyError> {
        let mut rules = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let syntax = |message: String| PolicyError::Syntax {
                path: path.to_owned(),
                line,
                message,
            };
            let toks = tokens(raw).map_err(syntax)?;
            let Some((id, fields)) = toks.split_first() else {
                continue;
            };
            if id.contains('=') {
                return Err(syntax(format!(
                    "a rule starts with a vulnerability id, not {id:?}"
                )));
            }
            let mut rule = IgnoreRule {
                vulnerability: id.clone(),
                package: None,
                purl: None,
                expires: None,
                reason: None,
                line,
            };
            for f in fields {
                // `.trivyignore` writes `exp:2024-01-01`.
                let (k, v) = f
                    .split_once('=')
                    .or_else(|| f.strip_prefix("exp:").map(|v| ("expires", v)))
                    .ok_or_else(|| syntax(format!("expected key=value, got {f:?}")))?;
                match k {
                    "package" => rule.package = Some(v.to_owned()),
                    "purl" => {
                        customs_model::Purl::parse(v).map_err(&syntax)?;
                        rule.purl = Some(v.to_owned());
                    }
                    "expires" => {
                        rule.expires = Some(v.parse::<Date>().map_err(|e| {
                            syntax(format!("expires={v}: not a YYYY-MM-DD date ({e})"))
                        })?);
                    }
                    "reason" => rule.reason = Some(v.to_owned()),
                    other => {
                        return Err(syntax(format!(
                            "unknown field {other:?}; expected package, purl, expires or reason"
                        )));
                    }
                }
            }
            rules.push(rule);
        }
        Ok(IgnoreFile {
            path: path.to_owned(),
            rules,
        })
    }

    pub fn read(path: &Path) -> Result<Self, PolicyError> {
        let bytes = read_limited(path)?;
        let text = String::from_utf8(bytes).map_err(|_| PolicyError::Syntax {
            path: path.display().to_string(),
            line: 0,
            message: "the file is not UTF-8".into(),
        })?;
        Self::parse(&path.display().to_string(), &text)
    }
}
