//! Shared body of the `version_*` targets: the input is split at `0xFF` bytes (never valid
//! UTF-8, so they cannot be meant as text) into two versions and a range. `validate`, `compare`
//! and `satisfies` must never panic; when both versions are valid, `compare` must succeed,
//! be reflexive and antisymmetric.

use std::cmp::Ordering;

use customs_version::VersionScheme;

pub fn check(scheme: &dyn VersionScheme, data: &[u8]) {
    let mut parts = data.splitn(3, |&b| b == 0xFF);
    let text = |p: Option<&[u8]>| String::from_utf8_lossy(p.unwrap_or_default()).into_owned();
    let (a, b, range) = (text(parts.next()), text(parts.next()), text(parts.next()));
    let valid_a = scheme.validate(&a).is_ok();
    let valid_b = scheme.validate(&b).is_ok();
    let ab = scheme.compare(&a, &b);
    if valid_a && valid_b {
        let ab = ab.unwrap_or_else(|e| panic!("{}: valid versions do not compare: {e}", scheme.name()));
        let ba = scheme.compare(&b, &a).expect("valid versions compare");
        assert_eq!(ab, ba.reverse(), "{}: antisymmetry fails for {a:?} {b:?}", scheme.name());
        assert_eq!(
            scheme.compare(&a, &a).ok(),
            Some(Ordering::Equal),
            "{}: {a:?} is not equal to itself",
            scheme.name()
        );
    }
    let _ = scheme.satisfies(&a, &range);
    let _ = scheme.satisfies(&b, &range);
    let _ = scheme.satisfies(&a, &b);
}
