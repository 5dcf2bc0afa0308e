//! A bounded YAML loader for lockfiles (pnpm, yarn berry), on top of `yaml-rust2`'s event
//! parser.
//!
//! `yaml-rust2`'s own `YamlLoader` is not safe for untrusted input: it *copies* the anchored
//! node for every alias, so a "billion laughs" document (each level aliasing the previous one
//! ten times) expands exponentially; its tree is dropped recursively, so deep nesting can
//! overflow the stack; and it rejects duplicate keys, which some real yarn lockfiles have.
//! This loader builds its own small tree from the parser's events instead and enforces:
//!
//! - nesting at most [`MAX_DEPTH`] collections deep;
//! - at most [`MAX_NODES`] nodes in all;
//! - at most [`MAX_COPIED_NODES`] nodes copied for anchors and aliases (lockfile writers never
//!   emit anchors, so a small budget allows hand-written ones and stops expansion bombs in
//!   linear time: the size of each anchored node is known before any alias copies it).
//!
//! Every scalar is kept as its text (no `true`/`1.10` typing, so `1.10` stays a version);
//! keys that are not scalars become `""`. Duplicate keys are kept in order; lookups return
//! the first.

use yaml_rust2::parser::{Event, Parser};

/// Collections nested deeper than this are refused (lockfiles use about six levels).
pub const MAX_DEPTH: usize = 64;
/// The largest number of nodes (scalars and collections) a document set may have.
pub const MAX_NODES: usize = 8_000_000;
/// The most nodes anchors and aliases may copy.
pub const MAX_COPIED_NODES: usize = 100_000;

/// One YAML node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The value of the first `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(String, Node)]> {
        match self {
            Node::Map(m) => Some(m),
            _ => None,
        }
    }

    /// A scalar `true` (YAML 1.2 core schema spellings).
    pub fn is_true(&self) -> bool {
        matches!(self.as_str(), Some("true" | "True" | "TRUE"))
    }

    /// A scalar `false`.
    pub fn is_false(&self) -> bool {
        matches!(self.as_str(), Some("false" | "False" | "FALSE"))
    }
}

enum Open {
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>, Option<String>),
}

struct Frame {
    open: Open,
    anchor: usize,
    /// Nodes below and including this one, counting alias copies.
    size: usize,
}

/// Loads every document of `text`. Errors name the line and column.
pub fn load(text: &str) -> Result<Vec<Node>, String> {
    let mut parser = Parser::new_from_str(text);
    let mut docs: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: std::collections::HashMap<usize, (Node, usize)> =
        std::collections::HashMap::new();
    let mut nodes = 0usize;
    let mut copied = 0usize;

    loop {
        let (event, mark) = parser
            .next_token()
            .map_err(|e| format!("not valid YAML: {e}"))?;
        let at = || format!("line {}, column {}", mark.line(), mark.col() + 1);
        // A finished node: (node, its size, its anchor id).
        let done: Option<(Node, usize, usize)> = match event {
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart => None,
            Event::DocumentEnd => {
                if let Some(r) = root.take() {
                    docs.push(r);
                }
                None
            }
            Event::Scalar(value, _, anchor, _) => Some((Node::Scalar(value), 1, anchor)),
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!(
                        "YAML nested deeper than {MAX_DEPTH} levels at {}",
                        at()
                    ));
                }
                let open = if matches!(event, Event::SequenceStart(..)) {
                    Open::Seq(Vec::new())
                } else {
                    Open::Map(Vec::new(), None)
                };
                stack.push(Frame {
                    open,
                    anchor,
                    size: 1,
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let frame = stack
                    .pop()
                    .ok_or_else(|| format!("unbalanced YAML events at {}", at()))?;
                let node = match frame.open {
                    Open::Seq(items) => Node::Seq(items),
                    Open::Map(entries, _) => Node::Map(entries),
                };
                Some((node, frame.size, frame.anchor))
            }
            Event::Alias(id) => {
                let (node, size) = anchors
                    .get(&id)
                    .ok_or_else(|| format!("alias to an unknown anchor at {}", at()))?;
                copied = copied.saturating_add(*size);
                if copied > MAX_COPIED_NODES {
                    return Err(format!(
                        "YAML aliases expand to more than {MAX_COPIED_NODES} nodes (at {}); refusing a possible alias bomb",
                        at()
                    ));
                }
                Some((node.clone(), *size, 0))
            }
        };
        let Some((node, size, anchor)) = done else {
            continue;
        };
        nodes = nodes.saturating_add(size);
        if nodes > MAX_NODES {
            return Err(format!("YAML has more than {MAX_NODES} nodes"));
        }
        if anchor > 0 {
            copied = copied.saturating_add(size);
            if copied > MAX_COPIED_NODES {
                return Err(format!(
                    "YAML anchors copy more than {MAX_COPIED_NODES} nodes (at {})",
                    at()
                ));
            }
            anchors.insert(anchor, (node.clone(), size));
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(parent) => {
                parent.size = parent.size.saturating_add(size);
                match &mut parent.open {
                    Open::Seq(items) => items.push(node),
                    Open::Map(entries, key) => match key.take() {
                        None => {
                            *key = Some(match node {
                                Node::Scalar(s) => s,
                                _ => String::new(),
                            });
                        }
                        Some(k) => entries.push((k, node)),
                    },
                }
            }
        }
    }
    if let Some(r) = root.take() {
        docs.push(r);
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    #[test]
    fn scalars_stay_text() {
        let docs = load("a: 1.10\nb: true\nc: [x, 'y']\nd: {}\n").unwrap();
        assert_eq!(docs.len(), 1);
        let d = &docs[0];
        assert_eq!(d.get("a").and_then(Node::as_str), Some("1.10"));
        assert!(d.get("b").unwrap().is_true());
        assert_eq!(
            d.get("c"),
            Some(&Node::Seq(vec![
                Node::Scalar("x".into()),
                Node::Scalar("y".into())
            ]))
        );
        assert_eq!(d.get("d"), Some(&Node::Map(vec![])));
    }

    #[test]
    fn duplicate_keys_kept() {
        let d = &load("a: 1\na: 2\n").unwrap()[0];
        assert_eq!(d.as_map().unwrap().len(), 2);
        assert_eq!(d.get("a").and_then(Node::as_str), Some("1"));
    }

    #[test]
    fn small_aliases_work() {
        let d = &load("a: &x {k: v}\nb: *x\n").unwrap()[0];
        assert_eq!(d.get("a"), d.get("b"));
    }

    #[test]
    fn alias_bomb_refused_quickly() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..30 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            let _ = writeln!(s, "a{i}: &a{i} [{refs}]");
        }
        let t = std::time::Instant::now();
        let e = load(&s).unwrap_err();
        assert!(e.contains("alias"), "{e}");
        assert!(t.elapsed().as_secs() < 2);
    }

    #[test]
    fn deep_nesting_refused() {
        let s = "[".repeat(10_000);
        let e = load(&s).unwrap_err();
        assert!(
            e.contains("nested deeper") || e.contains("recursion"),
            "{e}"
        );
        let s = format!("{}{}", "- ".repeat(200), "x");
        let e = load(&s).unwrap_err();
        assert!(e.contains("nested deeper"), "{e}");
    }

    #[test]
    fn multiple_documents() {
        let docs = load("a: 1\n---\nb: 2\n").unwrap();
        assert_eq!(docs.len(), 2);
    }
}
