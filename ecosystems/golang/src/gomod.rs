//! `go.mod`: a Go module's requirements.
//!
//! # Format
//!
//! Line-oriented (<https://go.dev/ref/mod#go-mod-file>): a verb and its arguments, or a verb
//! followed by `(` and one argument list per line up to `)`. Tokens are separated by spaces;
//! module paths and versions may be quoted (`"…"` with Go escapes, or `` `…` ``); `//` starts a
//! comment to the end of the line. The verbs read here:
//!
//! - `require PATH VERSION [// indirect]`: a dependency at a minimum version. Since Go 1.17
//!   the file lists every module the build needs (`// indirect` marks those not imported
//!   directly); before that only direct ones, and `go.sum` would be needed for the rest
//!   (not read: it lists hashes of every version ever considered, not the selected ones).
//! - `replace OLD [OLDVERSION] => NEW [NEWVERSION]`: a replacement, for one version of OLD or
//!   all of them (a versioned replacement wins over an unversioned one). A NEW without version
//!   is a local directory.
//!
//! `module` names the main module; `go`, `toolchain`, `godebug`, `exclude`, `retract`, `tool`
//! and `ignore` are skipped. An unknown verb (a typo such as `ruire (`, or a directive newer
//! than this reader) is a problem — `go` rejects it too — and its lines are skipped.
//!
//! # What is reported
//!
//! Every `require`d module, replaced by its replacement when there is one (name and version
//! of the replacement). Requirements replaced by a local directory are *not* reported: the
//! code comes from the source tree, not from the module of that name (the same decision as for
//! path dependencies in `Cargo.lock`). The main module (`module` line) is not reported either:
//! it is the source tree itself and `go.mod` gives it no version. `// indirect` does not make
//! a dependency development-only, so `scope` stays unset.
//!
//! # Limits
//!
//! [`GO_MOD_LIMIT`] bytes; lines are processed one at a time. Unreadable lines are problems
//! with their number, the rest of the file is still read.

/// The biggest `go.mod` read (large monorepos have a few hundred KiB).
pub const GO_MOD_LIMIT: u64 = 8 * 1024 * 1024;

/// Every directive `go` knows (Go 1.25); others are reported as problems.
const KNOWN_VERBS: [&str; 10] = [
    "module",
    "go",
    "toolchain",
    "godebug",
    "require",
    "exclude",
    "replace",
    "retract",
    "tool",
    "ignore",
];

/// A `require` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Require {
    pub path: String,
    pub version: String,
    pub indirect: bool,
}

/// A `replace` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replace {
    pub old_path: String,
    pub old_version: Option<String>,
    pub new_path: String,
    /// `None`: a local directory.
    pub new_version: Option<String>,
}

/// A parsed `go.mod`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoMod {
    pub module: Option<String>,
    pub requires: Vec<Require>,
    pub replaces: Vec<Replace>,
    pub problems: Vec<String>,
}

/// A requirement after replacement: the module that is actually built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub path: String,
    pub version: String,
    pub indirect: bool,
}

/// Splits a line into tokens and the trailing comment (without `//`, trimmed).
fn tokenize(line: &str) -> Result<(Vec<String>, Option<&str>), String> {
    let mut tokens = Vec::new();
    let mut rest = line.trim_start();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok((tokens, None));
        }
        if let Some(c) = rest.strip_prefix("//") {
            return Ok((tokens, Some(c.trim())));
        }
        if let Some(r) = rest.strip_prefix('`') {
            let end = r.find('`').ok_or("unterminated raw string")?;
            tokens.push(r[..end].to_owned());
            rest = &r[end + 1..];
        } else if let Some(r) = rest.strip_prefix('"') {
            let (s, used) = unquote(r)?;
            tokens.push(s);
            rest = &r[used..];
        } else if rest.starts_with("=>") {
            tokens.push("=>".into());
            rest = &rest[2..];
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"' || c == '`')
                .unwrap_or(rest.len());
            // `a//comment` and `a=>b` are split the way go's lexer splits them.
            let word = &rest[..end];
            let mut end = [word.find("//"), word.find("=>")]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(end);
            if end == 0 {
                // Unreachable (those prefixes are handled above), but never loop forever.
                end = rest.chars().next().map_or(1, char::len_utf8);
            }
            tokens.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
}

/// Reads a double-quoted string body (after the opening quote). Returns the value and the
/// bytes used including the closing quote. Module paths are plain ASCII, so only the simple
/// escapes are decoded; others are kept verbatim.
fn unquote(s: &str) -> Result<(String, usize), String> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, i + 1)),
            '\\' => match chars.next() {
                Some((_, e @ ('"' | '\\'))) => out.push(e),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, e)) => {
                    out.push('\\');
                    out.push(e);
                }
                None => break,
            },
            c => out.push(c),
        }
    }
    Err("unterminated quoted string".into())
}

fn is_indirect(comment: Option<&str>) -> bool {
    // `// indirect` or `// indirect; other comment`.
    comment.is_some_and(|c| c == "indirect" || c.starts_with("indirect;"))
}

impl GoMod {
    pub fn parse(text: &str) -> GoMod {
        let mut m = GoMod::default();
        let mut block: Option<(String, usize)> = None;
        for (n, raw) in text.lines().enumerate() {
            let n = n + 1;
            let (tokens, comment) = match tokenize(raw) {
                Ok(t) => t,
                Err(e) => {
                    m.problems.push(format!("line {n}: {e}"));
                    continue;
                }
            };
            if tokens.is_empty() {
                continue;
            }
            if let Some((verb, _)) = &block {
                if tokens.len() == 1 && tokens[0] == ")" {
                    block = None;
                    continue;
                }
                let verb = verb.clone();
                m.entry(&verb, &tokens, comment, n);
                continue;
            }
            let verb = tokens[0].as_str();
            if !KNOWN_VERBS.contains(&verb) {
                m.problems
                    .push(format!("line {n}: unknown directive {verb:?}; skipped"));
            }
            if tokens.len() == 2 && tokens[1] == "(" {
                block = Some((verb.to_owned(), n));
                continue;
            }
            if verb == "module" {
                m.module = tokens.get(1).cloned();
                continue;
            }
            m.entry(verb, &tokens[1..], comment, n);
        }
        if let Some((verb, start)) = block {
            m.problems
                .push(format!("line {start}: {verb} block is not closed"));
        }
        m
    }

    fn entry(&mut self, verb: &str, args: &[String], comment: Option<&str>, n: usize) {
        match verb {
            "require" => match args {
                [path, version] if !path.is_empty() && !version.is_empty() => {
                    self.requires.push(Require {
                        path: path.clone(),
                        version: version.clone(),
                        indirect: is_indirect(comment),
                    });
                }
                _ => self.problems.push(format!(
                    "line {n}: require needs a module path and a version"
                )),
            },
            "replace" => {
                let arrow = args.iter().position(|a| a == "=>");
                let parsed = arrow.and_then(|i| {
                    let (old, new) = (&args[..i], &args[i + 1..]);
                    let (old_path, old_version) = match old {
                        [p] => (p.clone(), None),
                        [p, v] => (p.clone(), Some(v.clone())),
                        _ => return None,
                    };
                    let (new_path, new_version) = match new {
                        [p] => (p.clone(), None),
                        [p, v] => (p.clone(), Some(v.clone())),
                        _ => return None,
                    };
                    let empty = |s: &Option<String>| s.as_ref().is_some_and(String::is_empty);
                    if old_path.is_empty()
                        || new_path.is_empty()
                        || empty(&old_version)
                        || empty(&new_version)
                    {
                        return None;
                    }
                    Some(Replace {
                        old_path,
                        old_version,
                        new_path,
                        new_version,
                    })
                });
                match parsed {
                    Some(r) => self.replaces.push(r),
                    None => self.problems.push(format!(
                        "line {n}: replace needs OLD [VERSION] => NEW [VERSION]"
                    )),
                }
            }
            _ => {}
        }
    }

    /// The requirements with replacements applied, local-directory replacements dropped.
    pub fn resolved(&self) -> Vec<Resolved> {
        self.requires
            .iter()
            .filter_map(|r| {
                let exact = self
                    .replaces
                    .iter()
                    .find(|p| p.old_path == r.path && p.old_version.as_ref() == Some(&r.version));
                let any = || {
                    self.replaces
                        .iter()
                        .find(|p| p.old_path == r.path && p.old_version.is_none())
                };
                match exact.or_else(any) {
                    None => Some(Resolved {
                        path: r.path.clone(),
                        version: r.version.clone(),
                        indirect: r.indirect,
                    }),
                    Some(p) => p.new_version.as_ref().map(|v| Resolved {
                        path: p.new_path.clone(),
                        version: v.clone(),
                        indirect: r.indirect,
                    }),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let text = r#"// a comment
module example.com/app

go 1.21

require github.com/a/b v1.0.0
require (
	github.com/c/d v0.2.0 // indirect
	"github.com/e/f" v1.1.0
	`github.com/g/h` v2.0.0+incompatible // indirect; why
	github.com/local/x v0.0.0
	github.com/old/y v1.0.0
	github.com/old/z v1.0.0
)

replace github.com/local/x => ../x
replace (
	github.com/old/y => github.com/new/y v1.0.1
	github.com/old/z v0.9.0 => github.com/new/z v0.9.1
	github.com/old/z v1.0.0 => github.com/new/z v1.0.2
)
exclude github.com/a/b v0.9.0
retract [v1.0.0, v1.0.1]
"#;
        let m = GoMod::parse(text);
        assert!(m.problems.is_empty(), "{:?}", m.problems);
        assert_eq!(m.module.as_deref(), Some("example.com/app"));
        let r: Vec<_> = m
            .resolved()
            .into_iter()
            .map(|r| (r.path, r.version, r.indirect))
            .collect();
        let s = |p: &str, v: &str, i| (p.to_owned(), v.to_owned(), i);
        assert_eq!(
            r,
            vec![
                s("github.com/a/b", "v1.0.0", false),
                s("github.com/c/d", "v0.2.0", true),
                s("github.com/e/f", "v1.1.0", false),
                s("github.com/g/h", "v2.0.0+incompatible", true),
                s("github.com/new/y", "v1.0.1", false),
                s("github.com/new/z", "v1.0.2", false),
            ]
        );
    }

    #[test]
    fn malformed() {
        let m =
            GoMod::parse("require a\nrequire \"unterminated v1\nreplace a b\nrequire (\n\tx v1\n");
        assert_eq!(m.problems.len(), 4, "{:?}", m.problems);
        assert!(m.problems[3].contains("not closed"));
        assert_eq!(m.requires.len(), 1);
        assert!(GoMod::parse("\u{0}\u{ffff}=>//\"").problems.len() <= 1);
    }

    #[test]
    fn tokens() {
        let (t, c) = tokenize("a=>b // x").unwrap();
        assert_eq!(t, ["a", "=>", "b"]);
        assert_eq!(c, Some("x"));
        let (t, c) = tokenize("require x v1//indirect").unwrap();
        assert_eq!(t, ["require", "x", "v1"]);
        assert_eq!(c, Some("indirect"));
        assert_eq!(tokenize(r#""a\"b""#).unwrap().0, [r#"a"b"#]);
        assert!(tokenize("`abc").is_err());
    }
}
