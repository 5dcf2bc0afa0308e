//! The index readers of `rss:` and `latest:` locations on arbitrary bytes, and the resolution
//! of what they name: errors, never panics; an RSS index yields at most the limit of links,
//! each non-empty, at most `MAX_LINK_BYTES` and free of whitespace and control characters;
//! whatever a web index (`https://alas.aws.amazon.com/AL2/alas.rss`) names resolves, without
//! `+anyhost`, to an `https` URL on that host (default port, no user information), never to
//! a path or another scheme.
#![no_main]

use customs_feed::index::{MAX_LINK_BYTES, latest_name, resolve_link, rss_links};
use libfuzzer_sys::fuzz_target;

const BASE: &str = "https://alas.aws.amazon.com/AL2/alas.rss";

fn check_resolved(link: &str) {
    let Ok(url) = resolve_link(BASE, link, false) else {
        return;
    };
    let rest = url
        .strip_prefix("https://")
        .unwrap_or_else(|| panic!("{link:?} resolved to {url:?}: not https"));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    assert!(!authority.contains('@'), "{link:?} → {url:?}: user information");
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    assert!(
        host.eq_ignore_ascii_case("alas.aws.amazon.com"),
        "{link:?} resolved to {url:?}: another host"
    );
    if let Some(p) = port {
        assert_eq!(p.parse::<u16>().ok(), Some(443), "{link:?} → {url:?}");
    }
}

fn check_name(name: &str) {
    assert!(!name.is_empty() && name.len() <= MAX_LINK_BYTES);
    assert!(!name.chars().any(|c| c.is_whitespace() || c.is_control()));
}

fuzz_target!(|data: &[u8]| {
    if let Ok(links) = rss_links(data, 100) {
        assert!(links.len() <= 100);
        for link in &links {
            check_name(link);
            check_resolved(link);
        }
    }
    if let Ok(name) = latest_name(data) {
        check_name(&name);
        check_resolved(&name);
    }
    if let Ok(s) = std::str::from_utf8(data) {
        check_resolved(s);
        // A local index's names: paths, file:// or http(s) URLs, never another scheme.
        if let Ok(p) = resolve_link("/srv/mirror/alas.rss", s, false) {
            assert!(
                p.starts_with('/') || p.starts_with("http://") || p.starts_with("https://"),
                "{s:?} → {p:?}"
            );
        }
    }
});
