use std::collections::HashMap;
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::Analyzer;

/// Routes file paths to interested analyzers with one lookup per path.
#[derive(Clone)]
pub struct Dispatcher {
    analyzers: Vec<Arc<dyn Analyzer>>,
    exact: HashMap<&'static str, Vec<usize>>,
    globs: GlobSet,
    glob_owner: Vec<usize>,
    executables: Vec<usize>,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.analyzers.iter().map(|a| a.id()))
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("analyzer {analyzer}: invalid glob {glob:?}: {source}")]
pub struct DispatchError {
    analyzer: &'static str,
    glob: &'static str,
    source: globset::Error,
}

impl Dispatcher {
    pub fn new(analyzers: Vec<Arc<dyn Analyzer>>) -> Result<Self, DispatchError> {
        let mut exact: HashMap<&'static str, Vec<usize>> = HashMap::new();
        let mut builder = GlobSetBuilder::new();
        let mut glob_owner = Vec::new();
        let mut executables = Vec::new();
        for (i, a) in analyzers.iter().enumerate() {
            let interest = a.interest();
            for p in interest.paths {
                exact.entry(p).or_default().push(i);
            }
            for g in interest.globs {
                let glob = Glob::new(g).map_err(|source| DispatchError {
                    analyzer: a.id(),
                    glob: g,
                    source,
                })?;
                builder.add(glob);
                glob_owner.push(i);
            }
            if interest.executables {
                executables.push(i);
            }
        }
        let globs = builder.build().map_err(|source| DispatchError {
            analyzer: "*",
            glob: "*",
            source,
        })?;
        Ok(Dispatcher {
            analyzers,
            exact,
            globs,
            glob_owner,
            executables,
        })
    }

    pub fn analyzers(&self) -> &[Arc<dyn Analyzer>] {
        &self.analyzers
    }

    /// A fingerprint of the analyzer set (ids and versions), part of every layer-cache key.
    pub fn fingerprint(&self) -> String {
        let mut parts: Vec<String> = self
            .analyzers
            .iter()
            .map(|a| format!("{}@{}", a.id(), a.version()))
            .collect();
        parts.sort();
        parts.join(",")
    }

    /// The analyzers interested in `path` (normalised, no leading slash). `executable` says
    /// whether the file has an execute bit.
    pub fn interested(&self, path: &str, executable: bool, out: &mut Vec<usize>) {
        out.clear();
        if let Some(v) = self.exact.get(path) {
            out.extend_from_slice(v);
        }
        if !self.glob_owner.is_empty() && self.globs.is_match(path) {
            // Only the rare matching path pays for the list of matching globs.
            for m in self.globs.matches(path) {
                out.push(self.glob_owner[m]);
            }
        }
        if executable {
            out.extend_from_slice(&self.executables);
        }
        if out.len() > 1 {
            out.sort_unstable();
            out.dedup();
        }
    }

    /// Whether any analyzer wants `path` (symbolic links at such paths are recorded).
    pub fn wants_path(&self, path: &str) -> bool {
        self.exact.contains_key(path) || (!self.glob_owner.is_empty() && self.globs.is_match(path))
    }

    pub fn analyzer(&self, i: usize) -> &dyn Analyzer {
        self.analyzers[i].as_ref()
    }
}
