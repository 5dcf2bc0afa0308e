//! Feed archives as upstreams publish them: `.tar.zst` files built from and read into
//! in-memory members.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;

use anyhow::{Context as _, Result};

/// A zstd-compressed tar of `members` (path, bytes), in the given order, with fixed
/// metadata (mode 0644, [`crate::FIXED_MTIME`]), so the same members give the same bytes.
pub fn tar_zst(members: &[(String, Vec<u8>)]) -> Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, data) in members {
        let mut header = tar::Header::new_ustar();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(crate::FIXED_MTIME);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, path, data.as_slice())
            .with_context(|| format!("adding {path} to a tar"))?;
    }
    let tar = builder.into_inner().context("finishing a tar")?;
    zstd::stream::encode_all(tar.as_slice(), 3).context("zstd-compressing a tar")
}

/// The regular members of the `.tar.zst` at `path` whose path (a leading `./` removed)
/// starts with `prefix`, keyed by the rest of their path.
pub fn tar_zst_members(path: &Path, prefix: &str) -> Result<BTreeMap<String, Vec<u8>>> {
    let file = fs_err::File::open(path)?;
    let decoder = zstd::stream::read::Decoder::new(file)
        .with_context(|| format!("{}: zstd", path.display()))?;
    let mut archive = tar::Archive::new(decoder);
    let mut out = BTreeMap::new();
    for entry in archive
        .entries()
        .with_context(|| format!("{}: tar", path.display()))?
    {
        let mut entry = entry.with_context(|| format!("{}: tar entry", path.display()))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry.path()?.to_string_lossy().into_owned();
        let Some(rest) = name.trim_start_matches("./").strip_prefix(prefix) else {
            continue;
        };
        let rest = rest.to_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        out.insert(rest, bytes);
    }
    Ok(out)
}
