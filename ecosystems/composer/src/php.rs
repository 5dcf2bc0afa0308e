//! PHP's `version_compare` (`ext/standard/versioning.c`), byte for byte, in the C locale.
//!
//! The string is canonicalised (`-`, `_`, `+` and other non-alphanumerics become `.`, runs of
//! `.` collapse, a `.` goes between digits and non-digits), then compared element by element:
//! numbers numerically (`strtol`, so every number past `i64::MAX` is `i64::MAX`), names by
//! their special form (`dev` < `alpha` = `a` < `beta` = `b` < `RC` = `rc` < a number <
//! `pl` = `p`, matched on the prefix; any other name sorts before `dev`). When one side runs
//! out, a remaining number makes it greater, and a remaining name is compared with a number.

use std::cmp::Ordering;

fn is_dig(c: u8) -> bool {
    c.is_ascii_digit()
}

fn is_ndig(c: u8) -> bool {
    !c.is_ascii_digit() && c != b'.'
}

fn push_dot(q: &mut Vec<u8>) {
    if q.last() != Some(&b'.') {
        q.push(b'.');
    }
}

/// `php_canonicalize_version`. `v` is not empty.
fn canonicalize(v: &[u8]) -> Vec<u8> {
    let mut q = Vec::with_capacity(v.len() * 2);
    q.push(v[0]);
    let mut lp = v[0];
    for &c in &v[1..] {
        if matches!(c, b'-' | b'_' | b'+') {
            push_dot(&mut q);
        } else if (is_ndig(lp) && is_dig(c)) || (is_dig(lp) && is_ndig(c)) {
            push_dot(&mut q);
            q.push(c);
        } else if !c.is_ascii_alphanumeric() {
            push_dot(&mut q);
        } else {
            q.push(c);
        }
        lp = c;
    }
    q
}

/// `compare_special_version_forms`: the rank of the first special form that prefixes `form`.
fn special_rank(form: &[u8]) -> i32 {
    const FORMS: [(&[u8], i32); 10] = [
        (b"dev", 0),
        (b"alpha", 1),
        (b"a", 1),
        (b"beta", 2),
        (b"b", 2),
        (b"RC", 3),
        (b"rc", 3),
        (b"#", 4),
        (b"pl", 5),
        (b"p", 5),
    ];
    FORMS
        .iter()
        .find(|(name, _)| form.starts_with(name))
        .map_or(-1, |(_, rank)| *rank)
}

fn special(a: &[u8], b: &[u8]) -> Ordering {
    special_rank(a).cmp(&special_rank(b))
}

/// `strtol(p, NULL, 10)` on a run starting with a digit: saturates at `i64::MAX`.
fn strtol(p: &[u8]) -> i64 {
    let mut n: i64 = 0;
    for &c in p.iter().take_while(|c| c.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add(i64::from(c - b'0'));
    }
    n
}

const NUM: &[u8] = b"#N#";

/// `php_version_compare(a, b)`: PHP's `version_compare($a, $b)`.
pub fn version_compare(a: &[u8], b: &[u8]) -> Ordering {
    // C strings: a NUL byte ends them.
    let cut = |v: &'_ [u8]| -> usize { v.iter().position(|&c| c == 0).unwrap_or(v.len()) };
    let (a, b) = (&a[..cut(a)], &b[..cut(b)]);
    if a.is_empty() || b.is_empty() {
        return (!a.is_empty()).cmp(&!b.is_empty());
    }
    let v1 = if a[0] == b'#' {
        a.to_vec()
    } else {
        canonicalize(a)
    };
    let v2 = if b[0] == b'#' {
        b.to_vec()
    } else {
        canonicalize(b)
    };
    // Positions: p is the start of the current element, n the index of the `.` ending it.
    let find = |v: &[u8], from: usize| v[from..].iter().position(|&c| c == b'.').map(|i| from + i);
    let (mut p1, mut p2) = (0usize, 0usize);
    let (mut n1, mut n2) = (Some(0usize), Some(0usize));
    let mut compare = Ordering::Equal;
    let at = |v: &[u8], i: usize| v.get(i).copied().unwrap_or(0);
    while at(&v1, p1) != 0 && at(&v2, p2) != 0 && n1.is_some() && n2.is_some() {
        n1 = find(&v1, p1);
        n2 = find(&v2, p2);
        let e1 = &v1[p1..n1.unwrap_or(v1.len())];
        let e2 = &v2[p2..n2.unwrap_or(v2.len())];
        let (d1, d2) = (is_dig(at(&v1, p1)), is_dig(at(&v2, p2)));
        compare = match (d1, d2) {
            (true, true) => strtol(e1).cmp(&strtol(e2)),
            (false, false) => special(e1, e2),
            (true, false) => special(NUM, e2),
            (false, true) => special(e1, NUM),
        };
        if compare != Ordering::Equal {
            break;
        }
        if let Some(n) = n1 {
            p1 = n + 1;
        }
        if let Some(n) = n2 {
            p2 = n + 1;
        }
    }
    if compare == Ordering::Equal {
        if n1.is_some() {
            compare = if is_dig(at(&v1, p1)) {
                Ordering::Greater
            } else {
                version_compare(&v1[p1..], NUM)
            };
        } else if n2.is_some() {
            compare = if is_dig(at(&v2, p2)) {
                Ordering::Less
            } else {
                version_compare(NUM, &v2[p2..])
            };
        }
    }
    compare
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vc(a: &str, b: &str) -> i32 {
        match version_compare(a.as_bytes(), b.as_bytes()) {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        }
    }

    #[test]
    fn php_manual_examples() {
        assert_eq!(vc("5.2", "5.2.0"), -1);
        assert_eq!(vc("1.0.0.0-dev", "1.0.0.0-alpha1"), -1);
        assert_eq!(vc("1.0.0.0-RC1", "1.0.0.0"), -1);
        assert_eq!(vc("1.0.0.0-patch1", "1.0.0.0"), 1);
        assert_eq!(vc("1.0.0.0-beta", "1.0.0.0-b"), 0);
        assert_eq!(vc("8.2.5rc", "8.2.5a"), 1);
        assert_eq!(vc("", "1"), -1);
        assert_eq!(vc("1.0.0.0", "1.00.0.0"), 0);
    }
}
