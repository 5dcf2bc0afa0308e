//! YAML records (the `PyPA` advisory database keeps OSV as YAML) read into the JSON data model,
//! so one set of types serves both encodings.
//!
//! The tree is built from `yaml-rust2`'s event stream rather than its `YamlLoader`, for two
//! reasons:
//! * **Limits.** An alias is a copy of its anchored node; nested aliases grow the tree
//!   exponentially ("billion laughs"). Every node built, alias copies included, counts
//!   against [`MAX_NODES`], and nesting against [`MAX_DEPTH`], so a hostile file fails fast.
//! * **Scalars stay text.** YAML 1.1 resolution would read `fixed: 1.10` as the float 1.1
//!   and `introduced: 0` as an integer. Every scalar becomes a JSON string except the plain
//!   null spellings (`~`, `null`, empty), which become JSON null. The OSV fields read here are
//!   all strings, so nothing is lost.

use serde_json::{Map, Value};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

/// The most nodes one YAML input may expand to (alias copies included). A `PyPA` record has a
/// few hundred; the largest (long `versions` lists) a few thousand.
pub const MAX_NODES: usize = 1_000_000;
/// The deepest nesting accepted; OSV records nest five or six levels.
pub const MAX_DEPTH: usize = 64;

enum Frame {
    Seq(Vec<Value>, usize),
    Map(Map<String, Value>, Option<String>, usize),
}

fn count_nodes(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(count_nodes).sum::<usize>(),
        Value::Object(o) => 1 + o.values().map(|v| 1 + count_nodes(v)).sum::<usize>(),
        _ => 1,
    }
}

/// Reads every document of `text`.
pub fn documents(text: &str) -> Result<Vec<Value>, String> {
    let mut parser = Parser::new_from_str(text);
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    // Anchored nodes and their sizes, by anchor id.
    let mut anchors: Vec<(usize, Value, usize)> = Vec::new();
    let mut nodes = 0usize;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| e.to_string())?;
        let at = || format!("line {} column {}", mark.line(), mark.col());
        let (value, anchor) = match event {
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart | Event::DocumentEnd => {
                continue;
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("{}: nesting deeper than {MAX_DEPTH} levels", at()));
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq(Vec::new(), anchor)
                } else {
                    Frame::Map(Map::new(), None, anchor)
                });
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(items, anchor)) => (Value::Array(items), anchor),
                _ => return Err(format!("{}: unbalanced sequence", at())),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(map, None, anchor)) => (Value::Object(map), anchor),
                _ => return Err(format!("{}: unbalanced mapping", at())),
            },
            Event::Scalar(text, style, anchor, _tag) => {
                let null = style == TScalarStyle::Plain
                    && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL");
                nodes += 1;
                (
                    if null {
                        Value::Null
                    } else {
                        Value::String(text)
                    },
                    anchor,
                )
            }
            Event::Alias(id) => {
                let Some((_, v, size)) = anchors.iter().find(|(a, _, _)| *a == id) else {
                    return Err(format!("{}: alias to an unknown anchor", at()));
                };
                // Charge the copy before making it.
                nodes = nodes.saturating_add(*size);
                if nodes > MAX_NODES {
                    return Err(format!(
                        "{}: more than {MAX_NODES} nodes (alias expansion)",
                        at()
                    ));
                }
                (v.clone(), 0)
            }
        };
        if matches!(value, Value::Array(_) | Value::Object(_)) {
            nodes += 1;
        }
        if nodes > MAX_NODES {
            return Err(format!("{}: more than {MAX_NODES} nodes", at()));
        }
        if anchor != 0 {
            let size = count_nodes(&value);
            anchors.push((anchor, value.clone(), size));
        }
        match stack.last_mut() {
            None => docs.push(value),
            Some(Frame::Seq(items, _)) => items.push(value),
            Some(Frame::Map(map, key, _)) => match key.take() {
                None => match value {
                    Value::String(k) => *key = Some(k),
                    Value::Null => *key = Some(String::new()),
                    _ => return Err(format!("{}: mapping key is not a scalar", at())),
                },
                Some(k) => {
                    map.insert(k, value);
                }
            },
        }
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_stay_text_and_nulls_are_null() {
        let d = documents("a: 1.10\nb: 0\nc: ~\nd: 'null'\ne: [x, 2]\nf:\n").unwrap();
        assert_eq!(
            d,
            vec![
                serde_json::json!({"a":"1.10","b":"0","c":null,"d":"null","e":["x","2"],"f":null})
            ]
        );
    }

    #[test]
    fn aliases_copy_and_bombs_stop() {
        let d = documents("a: &x [1, 2]\nb: *x\n").unwrap();
        assert_eq!(d[0]["b"], serde_json::json!(["1", "2"]));
        let mut lines = vec!["a0: &a0 [x, x, x, x, x, x, x, x, x, x]".to_owned()];
        for i in 1..12 {
            let p = i - 1;
            let refs = vec![format!("*a{p}"); 10].join(", ");
            lines.push(format!("a{i}: &a{i} [{refs}]"));
        }
        let bomb = lines.join("\n");
        let e = documents(&bomb).unwrap_err();
        assert!(e.contains("alias expansion"), "{e}");
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert!(documents(&deep).is_err());
        assert!(documents("a: [").is_err());
        assert!(
            documents("? [a]\n: b\n")
                .unwrap_err()
                .contains("not a scalar")
        );
        assert!(documents("a: *nope\n").is_err());
    }
}
