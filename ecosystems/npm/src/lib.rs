//! npm: node-semver version ordering and ranges, as npm uses them (loose parsing), and the
//! analyzers for Node.js application packages:
//!
//! - [`NpmInstalledAnalyzer`] (`npm-installed`): installed packages, the root `package.json`
//!   of every package directory under a `node_modules` (any depth, scoped, pnpm's `.pnpm`
//!   store, global installs) — see [`installed`];
//! - [`NpmLockfileAnalyzer`] (`npm-lockfile`): `package-lock.json` v1, v2, v3 and
//!   `npm-shrinkwrap.json` — see [`package_lock`];
//! - [`YarnLockAnalyzer`] (`yarn-lock`): `yarn.lock`, classic (v1) and berry (v2+) — see
//!   [`yarn`];
//! - [`PnpmLockAnalyzer`] (`pnpm-lock`): `pnpm-lock.yaml` 5.x, 6.x and 9.x — see [`pnpm`].
//!
//! Lockfiles found inside a `node_modules` tree are ignored: they came with a published
//! package, package managers do not use them, and what was installed is read from the
//! installed `package.json` files. Every package's ecosystem and purl type is `npm`; scoped
//! packages put `@scope` in the purl namespace.
//!
//! Limits on untrusted input (each refusal is an [`customs_analyzer::AnalyzeError`] naming the
//! file, which the scan turns into a diagnostic): installed `package.json` 8 MiB
//! ([`installed::PACKAGE_JSON_LIMIT`]); `package-lock.json` and classic `yarn.lock` 64 MiB;
//! YAML lockfiles (pnpm, yarn berry) 32 MiB, at most 64 levels deep, 8 M nodes and 100 000
//! nodes copied through anchors/aliases ([`yaml`]); JSON nesting 128 levels (`serde_json`'s
//! limit) and v1 `dependencies` nesting 48 levels ([`package_lock::MAX_V1_DEPTH`]). Entries
//! without a usable name or version are skipped and counted in one
//! `malformed-lockfile-entry` diagnostic per file.

pub mod common;
pub mod installed;
pub mod package_lock;
pub mod pnpm;
pub mod version;
pub mod yaml;
pub mod yarn;

pub use installed::NpmInstalledAnalyzer;
pub use package_lock::NpmLockfileAnalyzer;
pub use pnpm::PnpmLockAnalyzer;
pub use version::{NpmRange, NpmScheme, NpmVersion};
pub use yarn::YarnLockAnalyzer;

use std::sync::Arc;

use customs_analyzer::Analyzer;

/// Every npm analyzer, ready for a dispatcher.
pub fn analyzers() -> Vec<Arc<dyn Analyzer>> {
    vec![
        Arc::new(NpmInstalledAnalyzer),
        Arc::new(NpmLockfileAnalyzer),
        Arc::new(YarnLockAnalyzer),
        Arc::new(PnpmLockAnalyzer),
    ]
}
