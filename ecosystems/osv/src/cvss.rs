//! CVSS v3.0 and v3.1 vectors (<https://www.first.org/cvss/v3.1/specification-document>,
//! section 7 "CVSS v3.1 Equations"), written from the specification.
//!
//! A vector is `CVSS:3.x/` followed by `METRIC:VALUE` pairs separated by `/`. The eight base
//! metrics (AV, AC, PR, UI, S, C, I, A) are required; temporal (E, RL, RC) and environmental
//! (CR, IR, AR, MAV, MAC, MPR, MUI, MS, MC, MI, MA) metrics are optional. Every metric may
//! appear once; an unknown metric or value is an error.
//!
//! [`CvssV3::base_score`] is what severities are derived from (it is what NVD and GitHub
//! publish as "the" score); [`CvssV3::score`] is the most specific score the vector defines
//! (environmental, else temporal, else base). Roundup is v3.1's integer-based definition
//! (Appendix A), which gives v3.0's "smallest number, to one decimal place, that is equal to
//! or higher than its input" without floating-point artefacts; the only other difference
//! between the versions, the scope-changed modified impact, follows the vector's version.

use customs_model::Severity;

/// A parsed CVSS v3.x vector.
#[derive(Debug, Clone, PartialEq)]
pub struct CvssV3 {
    minor: u8,
    av: f64,
    ac: f64,
    pr: char,
    ui: f64,
    scope_changed: bool,
    c: f64,
    i: f64,
    a: f64,
    e: f64,
    rl: f64,
    rc: f64,
    cr: f64,
    ir: f64,
    ar: f64,
    mav: Option<f64>,
    mac: Option<f64>,
    mpr: Option<char>,
    mui: Option<f64>,
    ms: Option<bool>,
    mc: Option<f64>,
    mi: Option<f64>,
    ma: Option<f64>,
    has_temporal: bool,
    has_environmental: bool,
}

fn av(v: &str) -> Option<f64> {
    Some(match v {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        "P" => 0.2,
        _ => return None,
    })
}

fn ac(v: &str) -> Option<f64> {
    Some(match v {
        "L" => 0.77,
        "H" => 0.44,
        _ => return None,
    })
}

fn pr(v: &str) -> Option<char> {
    matches!(v, "N" | "L" | "H").then(|| v.chars().next().unwrap_or('N'))
}

fn pr_weight(pr: char, scope_changed: bool) -> f64 {
    match (pr, scope_changed) {
        ('L', false) => 0.62,
        ('L', true) => 0.68,
        ('H', false) => 0.27,
        ('H', true) => 0.5,
        _ => 0.85,
    }
}

fn ui(v: &str) -> Option<f64> {
    Some(match v {
        "N" => 0.85,
        "R" => 0.62,
        _ => return None,
    })
}

fn scope(v: &str) -> Option<bool> {
    match v {
        "U" => Some(false),
        "C" => Some(true),
        _ => None,
    }
}

fn cia(v: &str) -> Option<f64> {
    Some(match v {
        "H" => 0.56,
        "L" => 0.22,
        "N" => 0.0,
        _ => return None,
    })
}

/// `X` (not defined) for an optional metric.
fn modified<T>(v: &str, f: fn(&str) -> Option<T>) -> Result<Option<T>, ()> {
    if v == "X" {
        Ok(None)
    } else {
        f(v).map(Some).ok_or(())
    }
}

/// Roundup as CVSS v3.1 Appendix A defines it.
#[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
fn roundup(x: f64) -> f64 {
    let int = (x * 100_000.0).round() as i64;
    if int % 10_000 == 0 {
        int as f64 / 100_000.0
    } else {
        ((int / 10_000) + 1) as f64 / 10.0
    }
}

impl CvssV3 {
    /// Parses a `CVSS:3.0/…` or `CVSS:3.1/…` vector.
    pub fn parse(vector: &str) -> Result<Self, String> {
        let bad = |what: &str| format!("invalid CVSS v3 vector {vector:?}: {what}");
        let mut parts = vector.trim().split('/');
        let minor = match parts.next() {
            Some("CVSS:3.0") => 0,
            Some("CVSS:3.1") => 1,
            _ => return Err(bad("expected the prefix CVSS:3.0/ or CVSS:3.1/")),
        };
        let mut seen: Vec<&str> = Vec::new();
        let (mut avv, mut acv, mut prv, mut uiv, mut sv, mut cv, mut iv, mut avail) =
            (None, None, None, None, None, None, None, None);
        let mut m = CvssV3 {
            minor,
            av: 0.0,
            ac: 0.0,
            pr: 'N',
            ui: 0.0,
            scope_changed: false,
            c: 0.0,
            i: 0.0,
            a: 0.0,
            e: 1.0,
            rl: 1.0,
            rc: 1.0,
            cr: 1.0,
            ir: 1.0,
            ar: 1.0,
            mav: None,
            mac: None,
            mpr: None,
            mui: None,
            ms: None,
            mc: None,
            mi: None,
            ma: None,
            has_temporal: false,
            has_environmental: false,
        };
        for part in parts {
            let (k, v) = part
                .split_once(':')
                .ok_or_else(|| bad(&format!("{part:?} is not METRIC:VALUE")))?;
            if seen.contains(&k) {
                return Err(bad(&format!("metric {k} appears twice")));
            }
            seen.push(k);
            let invalid = || bad(&format!("invalid value {v:?} for {k}"));
            let req = |f: Option<f64>| f.ok_or_else(invalid);
            match k {
                "AV" => avv = Some(req(av(v))?),
                "AC" => acv = Some(req(ac(v))?),
                "PR" => prv = Some(pr(v).ok_or_else(invalid)?),
                "UI" => uiv = Some(req(ui(v))?),
                "S" => sv = Some(scope(v).ok_or_else(invalid)?),
                "C" => cv = Some(req(cia(v))?),
                "I" => iv = Some(req(cia(v))?),
                "A" => avail = Some(req(cia(v))?),
                "E" | "RL" | "RC" => {
                    m.has_temporal = true;
                    let w = match (k, v) {
                        (_, "X") | ("E", "H") | ("RL", "U") | ("RC", "C") => 1.0,
                        ("E", "F") | ("RL", "W") => 0.97,
                        ("E", "P") => 0.94,
                        ("E", "U") => 0.91,
                        ("RL", "T") | ("RC", "R") => 0.96,
                        ("RL", "O") => 0.95,
                        ("RC", "U") => 0.92,
                        _ => return Err(invalid()),
                    };
                    match k {
                        "E" => m.e = w,
                        "RL" => m.rl = w,
                        _ => m.rc = w,
                    }
                }
                "CR" | "IR" | "AR" => {
                    m.has_environmental = true;
                    let w = match v {
                        "X" | "M" => 1.0,
                        "L" => 0.5,
                        "H" => 1.5,
                        _ => return Err(invalid()),
                    };
                    match k {
                        "CR" => m.cr = w,
                        "IR" => m.ir = w,
                        _ => m.ar = w,
                    }
                }
                "MAV" | "MAC" | "MPR" | "MUI" | "MS" | "MC" | "MI" | "MA" => {
                    m.has_environmental = true;
                    match k {
                        "MAV" => m.mav = modified(v, av).map_err(|()| invalid())?,
                        "MAC" => m.mac = modified(v, ac).map_err(|()| invalid())?,
                        "MPR" => m.mpr = modified(v, pr).map_err(|()| invalid())?,
                        "MUI" => m.mui = modified(v, ui).map_err(|()| invalid())?,
                        "MS" => m.ms = modified(v, scope).map_err(|()| invalid())?,
                        "MC" => m.mc = modified(v, cia).map_err(|()| invalid())?,
                        "MI" => m.mi = modified(v, cia).map_err(|()| invalid())?,
                        _ => m.ma = modified(v, cia).map_err(|()| invalid())?,
                    }
                }
                _ => return Err(bad(&format!("unknown metric {k}"))),
            }
        }
        let missing = |n: &str| bad(&format!("base metric {n} missing"));
        m.av = avv.ok_or_else(|| missing("AV"))?;
        m.ac = acv.ok_or_else(|| missing("AC"))?;
        m.pr = prv.ok_or_else(|| missing("PR"))?;
        m.ui = uiv.ok_or_else(|| missing("UI"))?;
        m.scope_changed = sv.ok_or_else(|| missing("S"))?;
        m.c = cv.ok_or_else(|| missing("C"))?;
        m.i = iv.ok_or_else(|| missing("I"))?;
        m.a = avail.ok_or_else(|| missing("A"))?;
        Ok(m)
    }

    /// The base score, 0.0 to 10.0.
    pub fn base_score(&self) -> f64 {
        let iss = 1.0 - (1.0 - self.c) * (1.0 - self.i) * (1.0 - self.a);
        let impact = if self.scope_changed {
            7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
        } else {
            6.42 * iss
        };
        let exploitability =
            8.22 * self.av * self.ac * pr_weight(self.pr, self.scope_changed) * self.ui;
        if impact <= 0.0 {
            return 0.0;
        }
        if self.scope_changed {
            roundup((1.08 * (impact + exploitability)).min(10.0))
        } else {
            roundup((impact + exploitability).min(10.0))
        }
    }

    fn temporal_score(&self) -> f64 {
        roundup(self.base_score() * self.e * self.rl * self.rc)
    }

    fn environmental_score(&self) -> f64 {
        let ms = self.ms.unwrap_or(self.scope_changed);
        let mc = self.mc.unwrap_or(self.c);
        let mi = self.mi.unwrap_or(self.i);
        let ma = self.ma.unwrap_or(self.a);
        let miss =
            (1.0 - (1.0 - self.cr * mc) * (1.0 - self.ir * mi) * (1.0 - self.ar * ma)).min(0.915);
        let modified_impact = if ms {
            if self.minor == 0 {
                7.52 * (miss - 0.029) - 3.25 * (miss - 0.02).powi(15)
            } else {
                7.52 * (miss - 0.029) - 3.25 * (miss * 0.9731 - 0.02).powi(13)
            }
        } else {
            6.42 * miss
        };
        let modified_exploitability = 8.22
            * self.mav.unwrap_or(self.av)
            * self.mac.unwrap_or(self.ac)
            * pr_weight(self.mpr.unwrap_or(self.pr), ms)
            * self.mui.unwrap_or(self.ui);
        if modified_impact <= 0.0 {
            return 0.0;
        }
        let capped = if ms {
            roundup((1.08 * (modified_impact + modified_exploitability)).min(10.0))
        } else {
            roundup((modified_impact + modified_exploitability).min(10.0))
        };
        roundup(capped * self.e * self.rl * self.rc)
    }

    /// The environmental score when the vector has environmental metrics, else the temporal
    /// score when it has temporal ones, else the base score.
    pub fn score(&self) -> f64 {
        if self.has_environmental {
            self.environmental_score()
        } else if self.has_temporal {
            self.temporal_score()
        } else {
            self.base_score()
        }
    }
}

/// The qualitative rating of a score (specification section 5): 0.0 none (here
/// `negligible`), 0.1–3.9 low, 4.0–6.9 medium, 7.0–8.9 high, 9.0–10.0 critical.
pub fn severity_of_score(score: f64) -> Severity {
    if score <= 0.0 {
        Severity::Negligible
    } else if score < 4.0 {
        Severity::Low
    } else if score < 7.0 {
        Severity::Medium
    } else if score < 9.0 {
        Severity::High
    } else {
        Severity::Critical
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/../../../shared/data/cvss/claircore/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn scores_match_claircore_vectors() {
        let mut checked = 0;
        for name in ["v30_score.list", "v31_score.list"] {
            for line in list(name).lines() {
                let line = line.split('#').next().unwrap().trim();
                if line.is_empty() {
                    continue;
                }
                let mut f = line.split_whitespace();
                let (vector, want) = (f.next().unwrap(), f.next().unwrap());
                let want: f64 = want.parse().unwrap();
                let v = CvssV3::parse(vector).unwrap();
                assert!(
                    (v.score() - want).abs() < 1e-9,
                    "{vector}: {} != {want}",
                    v.score()
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 32 + 35, "every line of both lists");
    }

    #[test]
    fn error_list_is_refused_except_ok_lines() {
        let mut refused = 0;
        for line in list("v3_error.list").lines() {
            let ok = line.ends_with("#OK");
            let vector = line.split('#').next().unwrap().trim();
            if vector.is_empty() {
                continue;
            }
            assert_eq!(CvssV3::parse(vector).is_ok(), ok, "{vector}");
            refused += usize::from(!ok);
        }
        assert_eq!(refused, 19);
    }

    #[test]
    fn base_score_and_severity() {
        let heartbleed = CvssV3::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N").unwrap();
        assert!((heartbleed.base_score() - 7.5).abs() < 1e-9);
        assert_eq!(severity_of_score(heartbleed.base_score()), Severity::High);
        // Temporal metrics change score() but not base_score().
        let t = CvssV3::parse("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N/E:F/RL:X").unwrap();
        assert!((t.base_score() - 3.8).abs() < 1e-9);
        assert!((t.score() - 3.7).abs() < 1e-9);
        assert_eq!(severity_of_score(0.0), Severity::Negligible);
        assert_eq!(severity_of_score(9.0), Severity::Critical);
        assert_eq!(severity_of_score(6.9), Severity::Medium);
        assert!((roundup(4.000_000_2) - 4.0).abs() < 1e-9);
        assert!((roundup(4.02) - 4.1).abs() < 1e-9);
    }
}
