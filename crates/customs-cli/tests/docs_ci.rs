//! docs/ci.md must stay true: its YAML pipelines parse, and every `customs` command in it uses
//! only subcommands and flags the real binary accepts (checked against `--help`).

use std::collections::BTreeSet;
use std::process::Command;

fn doc() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/ci.md")).unwrap()
}

/// The fenced code blocks of a markdown text with their language.
fn blocks(md: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(String, String)> = None;
    for line in md.lines() {
        if let Some(lang) = line.strip_prefix("```") {
            match cur.take() {
                Some(b) => out.push(b),
                None => cur = Some((lang.trim().to_owned(), String::new())),
            }
        } else if let Some((_, body)) = cur.as_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_customs"))
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success(), "customs {args:?} --help failed");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn pipelines_parse_and_use_real_flags() {
    let md = doc();
    let blocks = blocks(&md);
    let yaml: Vec<&String> = blocks
        .iter()
        .filter(|(l, _)| l == "yaml")
        .map(|(_, b)| b)
        .collect();
    assert_eq!(yaml.len(), 2, "GitHub Actions and GitLab CI");
    for y in &yaml {
        let docs = yaml_rust2::YamlLoader::load_from_str(y).unwrap_or_else(|e| panic!("{e}\n{y}"));
        assert!(docs[0].as_hash().is_some_and(|h| !h.is_empty()));
    }
    assert!(
        blocks
            .iter()
            .any(|(l, b)| l == "groovy" && b.contains("junit 'customs-junit.xml'"))
    );

    let mut checked = BTreeSet::new();
    for (_, body) in &blocks {
        for line in body.lines() {
            let Some(at) = line.find("customs ") else {
                continue;
            };
            let cmd = &line[at..];
            let words: Vec<&str> = cmd
                .split(|c: char| c.is_whitespace() || c == '\'' || c == '"')
                .filter(|w| !w.is_empty())
                .collect();
            let sub: Vec<&str> = match words.get(1) {
                Some(&"scan") => vec!["scan"],
                Some(&"db") => vec!["db", words[2]],
                _ => continue,
            };
            let text = help(&sub);
            for flag in words.iter().filter(|w| w.starts_with("--")) {
                let flag = flag.split('=').next().unwrap();
                assert!(
                    text.contains(flag),
                    "docs/ci.md uses `{flag}` with `customs {}`, which does not accept it",
                    sub.join(" ")
                );
                checked.insert(flag.to_owned());
            }
            if sub == ["scan"] {
                for (i, w) in words.iter().enumerate() {
                    if (*w == "--format" || *w == "-f") && i + 1 < words.len() {
                        let format = words[i + 1];
                        assert!(
                            format.parse::<customs_report::Format>().is_ok(),
                            "docs/ci.md uses --format {format}, which customs does not write"
                        );
                    }
                }
            }
        }
    }
    for f in ["--format", "--output", "--fail-on"] {
        assert!(
            checked.contains(f),
            "{f} is shown in docs/ci.md: {checked:?}"
        );
    }
}
