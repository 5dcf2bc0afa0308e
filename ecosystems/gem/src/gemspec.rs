//! Installed gems: the Ruby-syntax specifications `RubyGems` writes.
//!
//! On `gem install`, `RubyGems` writes `GEM_HOME/specifications/NAME-VERSION.gemspec`, the
//! output of `Gem::Specification#to_ruby`: Ruby code of a fixed shape,
//!
//! ```ruby
//! # stub: bundler 2.1.4 ruby lib
//! Gem::Specification.new do |s|
//!   s.name = "bundler".freeze
//!   s.version = "2.1.4"
//!   s.licenses = ["MIT".freeze]
//!   ...
//! end
//! ```
//!
//! Ruby is not run: the file is scanned line by line for `VAR.name = …`, `VAR.version = …`,
//! `VAR.license = …` and `VAR.licenses = […]` assignments (any receiver name, so hand-written
//! `spec.name = …` forms are read too), whose values are Ruby string literals: `"…"` (with
//! escapes, `\uXXXX` included), `'…'`, `%q{…}` / `%Q{…}`, optionally followed by `.freeze`,
//! or `Gem::Version.new("…")` for the version. A value that needs evaluation (interpolation
//! `#{…}`, a constant, a method call) is not a literal and is ignored. The first assignment
//! of each field wins. When name or version cannot be read that way, the `# stub: NAME
//! VERSION PLATFORM …` comment `RubyGems` writes on the first lines is used instead (`RubyGems`
//! itself reads stubs that way, without evaluating the file).
//!
//! A gemspec with neither gets a `malformed-package-metadata` diagnostic and no package.

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};
use customs_model::PackageOrigin;

use crate::{gem_package, is_valid_name, is_valid_version};

/// Generated gemspecs are a few KiB; the `files` list of a large gem can reach a few hundred
/// KiB. 4 MiB leaves room.
pub const GEMSPEC_LIMIT: u64 = 4 * 1024 * 1024;

/// What a gemspec says about the gem.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gemspec {
    pub name: Option<String>,
    pub version: Option<String>,
    /// The platform from the stub line, when not `ruby`.
    pub platform: Option<String>,
    pub licenses: Vec<String>,
}

/// Parses one Ruby string literal at the start of `s`; returns it and the rest.
fn string_literal(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start();
    let (open, close, escapes, rest) = if let Some(r) = s.strip_prefix('"') {
        ('"', '"', true, r)
    } else if let Some(r) = s.strip_prefix('\'') {
        ('\'', '\'', false, r)
    } else if let Some(r) = s.strip_prefix("%q{") {
        ('{', '}', false, r)
    } else if let Some(r) = s.strip_prefix("%Q{") {
        ('{', '}', true, r)
    } else {
        return None;
    };
    let _ = open;
    let mut out = String::new();
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == close {
            let rest = &rest[i + c.len_utf8()..];
            let rest = rest.strip_prefix(".freeze").unwrap_or(rest);
            return Some((out, rest));
        }
        if c == '#' && escapes && rest[i..].starts_with("#{") {
            return None; // interpolation: needs Ruby
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let (_, e) = chars.next()?;
        if !escapes {
            // Single-quoted: only \\ and \' are escapes.
            if e != '\\' && e != close {
                out.push('\\');
            }
            out.push(e);
            continue;
        }
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'u' => {
                let hex: String = chars.by_ref().take(4).map(|(_, h)| h).collect();
                let cp = u32::from_str_radix(&hex, 16).ok()?;
                out.push(char::from_u32(cp)?);
            }
            other => out.push(other),
        }
    }
    None
}

/// A list of string literals `["a".freeze, "b"]` (or a single literal).
fn string_list(s: &str) -> Option<Vec<String>> {
    let s = s.trim_start();
    let Some(mut rest) = s.strip_prefix('[') else {
        return string_literal(s).map(|(v, _)| vec![v]);
    };
    let mut out = Vec::new();
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix(']') {
            let _ = r;
            return Some(out);
        }
        let (v, r) = string_literal(rest)?;
        out.push(v);
        rest = r.trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

/// `VAR.FIELD = VALUE` → (FIELD, VALUE).
fn assignment(line: &str) -> Option<(&str, &str)> {
    let line = line.trim_start();
    let dot = line.find('.')?;
    let var = &line[..dot];
    if var.is_empty() || !var.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
        return None;
    }
    let rest = &line[dot + 1..];
    let eq = rest.find('=')?;
    let field = rest[..eq].trim();
    let value = &rest[eq + 1..];
    // `==` comparisons and `=~` are not assignments.
    if value.starts_with(['=', '~']) {
        return None;
    }
    Some((field, value))
}

/// Reads the fields of a Ruby-syntax gemspec.
pub fn parse_gemspec(text: &str) -> Gemspec {
    let mut spec = Gemspec::default();
    let mut stub: Option<(String, String, Option<String>)> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(s) = trimmed.strip_prefix("# stub:") {
            if stub.is_none() {
                let mut parts = s.split_whitespace();
                if let (Some(n), Some(v)) = (parts.next(), parts.next()) {
                    let platform = parts.next().filter(|p| *p != "ruby").map(str::to_owned);
                    stub = Some((n.to_owned(), v.to_owned(), platform));
                }
            }
            continue;
        }
        if trimmed.starts_with('#') {
            continue;
        }
        let Some((field, value)) = assignment(line) else {
            continue;
        };
        match field {
            "name" if spec.name.is_none() => {
                spec.name = string_literal(value).map(|(v, _)| v);
            }
            "version" if spec.version.is_none() => {
                let v = value.trim_start();
                let v = v.strip_prefix("Gem::Version.new(").unwrap_or(v);
                spec.version = string_literal(v).map(|(v, _)| v);
            }
            "license" | "licenses" if spec.licenses.is_empty() => {
                if let Some(l) = string_list(value) {
                    spec.licenses = l.into_iter().filter(|l| !l.is_empty()).collect();
                }
            }
            _ => {}
        }
    }
    if let Some((n, v, platform)) = stub {
        if spec.name.is_none() {
            spec.name = Some(n);
        }
        if spec.version.is_none() {
            spec.version = Some(v);
        }
        spec.platform = platform;
    }
    spec
}

/// Whether `path` is a gemspec under a `specifications` directory.
pub fn is_installed_gemspec_path(path: &str) -> bool {
    let has_ext = std::path::Path::new(path)
        .extension()
        .is_some_and(|e| e == "gemspec");
    has_ext && (path.starts_with("specifications/") || path.contains("/specifications/"))
}

/// Reads installed gem specifications (`gem-installed`).
#[derive(Debug, Default, Clone, Copy)]
pub struct GemspecAnalyzer;

impl GemspecAnalyzer {
    pub fn new() -> Self {
        GemspecAnalyzer
    }
}

impl Analyzer for GemspecAnalyzer {
    fn id(&self) -> &'static str {
        "gem-installed"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            globs: vec!["**/specifications/*.gemspec"],
            ..Interest::default()
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let path = file.path().to_owned();
        if !is_installed_gemspec_path(&path) {
            return Ok(());
        }
        let bytes = file.read_to_end_limited(GEMSPEC_LIMIT)?;
        let spec = parse_gemspec(&String::from_utf8_lossy(&bytes));
        let name = spec.name.as_deref().unwrap_or("");
        let version = spec.version.as_deref().unwrap_or("");
        if !is_valid_name(name) || !is_valid_version(version) {
            out.diagnose(
                "malformed-package-metadata",
                Some(&path),
                format!(
                    "no literal gem name and version (read name {name:?}, version {version:?})"
                ),
            );
            out.touch(&path);
            return Ok(());
        }
        let mut pkg = gem_package(
            name,
            version,
            spec.platform.as_deref(),
            &path,
            PackageOrigin::Installed,
        );
        pkg.licenses = spec.licenses;
        out.add_packages(&path, [pkg]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        assert_eq!(
            string_literal(r#""Andr\u00E9 A".freeze, x"#),
            Some(("André A".to_owned(), ", x"))
        );
        assert_eq!(
            string_literal("'a\\'b\\n'"),
            Some(("a'b\\n".to_owned(), ""))
        );
        assert_eq!(string_literal("%q{rake}"), Some(("rake".to_owned(), "")));
        assert_eq!(string_literal(r##""#{x}""##), None);
        assert_eq!(string_literal("Foo::VERSION"), None);
        assert_eq!(string_literal("\"unterminated"), None);
        assert_eq!(
            string_list(r#"["MIT".freeze, "Ruby".freeze]"#),
            Some(vec!["MIT".to_owned(), "Ruby".to_owned()])
        );
    }

    #[test]
    fn forms() {
        let s = parse_gemspec(
            "Gem::Specification.new do |spec|\n  spec.name    = 'rack'\n  spec.version = Gem::Version.new(\"3.0.8\")\n  spec.license = 'MIT'\nend\n",
        );
        assert_eq!(s.name.as_deref(), Some("rack"));
        assert_eq!(s.version.as_deref(), Some("3.0.8"));
        assert_eq!(s.licenses, ["MIT"]);
        // Not literal → the stub line.
        let s = parse_gemspec(
            "# stub: nokogiri 1.15.4 x86_64-linux lib\nGem::Specification.new do |s|\n  s.name = NAME\n  s.version = Nokogiri::VERSION\nend\n",
        );
        assert_eq!(s.name.as_deref(), Some("nokogiri"));
        assert_eq!(s.version.as_deref(), Some("1.15.4"));
        assert_eq!(s.platform.as_deref(), Some("x86_64-linux"));
        assert!(is_installed_gemspec_path(
            "usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec"
        ));
        assert!(!is_installed_gemspec_path("app/foo.gemspec"));
    }
}
