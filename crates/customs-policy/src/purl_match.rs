//! Whether a purl from a policy (ignore rule, VEX statement) names a package.

use customs_model::Purl;

/// `pattern` names the package with purl `package` when type, namespace and name are equal
/// (case-insensitively: purl types and most ecosystems are case-insensitive) and, if the
/// pattern has a version, the versions are equal. Qualifiers in the pattern must be present
/// with the same value (`arch=amd64` narrows); qualifiers only on the package are ignored,
/// so `pkg:deb/debian/openssl@3.0.11-1` matches the package's longer purl.
pub fn purl_matches(pattern: &str, package: &str) -> bool {
    let (Ok((_, p)), Ok((_, q))) = (Purl::parse(pattern), Purl::parse(package)) else {
        return false;
    };
    let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    eq(&p.ty, &q.ty)
        && eq(
            p.namespace.as_deref().unwrap_or(""),
            q.namespace.as_deref().unwrap_or(""),
        )
        && eq(&p.name, &q.name)
        && p.version
            .as_ref()
            .is_none_or(|v| Some(v) == q.version.as_ref())
        && p.qualifiers
            .iter()
            .all(|(k, v)| q.qualifiers.get(k) == Some(v))
}

#[cfg(test)]
mod tests {
    use super::purl_matches;

    #[test]
    fn versions_and_qualifiers_narrow() {
        let pkg = "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12";
        assert!(purl_matches("pkg:deb/debian/openssl", pkg));
        assert!(purl_matches("pkg:deb/debian/openssl@3.0.11-1~deb12u2", pkg));
        assert!(purl_matches("pkg:deb/debian/openssl?arch=amd64", pkg));
        assert!(!purl_matches("pkg:deb/debian/openssl?arch=arm64", pkg));
        assert!(!purl_matches("pkg:deb/debian/openssl@3.0.11-1", pkg));
        assert!(!purl_matches("pkg:deb/ubuntu/openssl", pkg));
        assert!(purl_matches(
            "pkg:PyPI/Requests",
            "pkg:pypi/requests@2.19.1"
        ));
        assert!(!purl_matches("not a purl", pkg));
    }
}
