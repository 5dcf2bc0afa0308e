//! Where the database lives and how it travels: `--db` as a path (`SQLite`) or a
//! `postgres://` URL, `customs db export|import` (one verified file for air-gapped sites)
//! and `customs db push|pull` (that file as an OCI artifact; docs/db-artifact.md).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;
use customs_db::{ExportError, FeedStore, ImportExpectations};
use customs_model::Digest;

use crate::cli::{DbPath, RegistryArgs};
use crate::exit::Failure;

/// The manifest's `artifactType`.
pub const ARTIFACT_TYPE: &str = "application/vnd.customs.db.v1+json";
/// The config blob: the export's metadata.json, byte for byte.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.customs.db.config.v1+json";
/// The one layer: the export file (a zstd-compressed tar).
pub const LAYER_MEDIA_TYPE: &str = "application/vnd.customs.db.layer.v1.tar+zstd";
/// The layer's file name (`org.opencontainers.image.title`).
const LAYER_TITLE: &str = "customs-db.tar.zst";

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The file to write (conventionally *.tar.zst).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub db: DbPath,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// An export file made by `customs db export`.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub db: DbPath,
    /// The sha256 the file must have (as printed by `customs db export`).
    #[arg(long, value_name = "sha256:HEX")]
    pub digest: Option<String>,
}

#[derive(Debug, Args)]
pub struct PushArgs {
    /// Where to push: REGISTRY/REPOSITORY:TAG.
    #[arg(value_name = "REGISTRY/REPO:TAG")]
    pub reference: String,
    #[command(flatten)]
    pub db: DbPath,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// What to pull: REGISTRY/REPOSITORY:TAG or @sha256:DIGEST.
    #[arg(value_name = "REGISTRY/REPO:TAG")]
    pub reference: String,
    #[command(flatten)]
    pub db: DbPath,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// The `--db` value when it is a `PostgreSQL` URL.
pub fn postgres_url(db: &DbPath) -> Option<String> {
    db.db
        .as_ref()
        .and_then(|p| p.to_str())
        .filter(|s| customs_db_postgres::is_postgres_url(s))
        .map(str::to_owned)
}

/// Opens the store `--db` names for reading: a `PostgreSQL` database for a `postgres://`
/// URL, else the `SQLite` file (the default path when `--db` is not given).
pub fn open_store(db: &DbPath) -> Result<Box<dyn FeedStore>, Failure> {
    if let Some(url) = postgres_url(db) {
        let store = customs_db_postgres::PgStore::open(&url).map_err(|e| Failure::db(&e))?;
        return Ok(Box::new(store));
    }
    let path = db.resolve()?;
    let store = customs_db::Store::open(&path).map_err(|e| Failure::db(&e))?;
    Ok(Box::new(store))
}

/// A scratch directory for a `PostgreSQL` database's snapshot file.
fn scratch() -> Result<tempfile::TempDir, Failure> {
    tempfile::Builder::new()
        .prefix("customs-db-")
        .tempdir()
        .map_err(|e| Failure::io(format!("creating a temporary directory: {e}")))
}

/// The database file `db export` and `db push` pack: the `SQLite` file `--db` names, or for
/// a `postgres://` URL a snapshot of that database written into `work` (the export file
/// always carries a `SQLite` database; `customs_db::SnapshotWriter` says what travels).
fn export_source(db: &DbPath, work: &std::path::Path) -> Result<PathBuf, Failure> {
    let Some(url) = postgres_url(db) else {
        return db.resolve();
    };
    let store = customs_db_postgres::PgStore::open(&url).map_err(|e| Failure::db(&e))?;
    let file = work.join("snapshot.db");
    store.export_snapshot(&file).map_err(|e| Failure::db(&e))?;
    Ok(file)
}

/// Where `db import` and `db pull` put a verified database: the `SQLite` file `--db` names,
/// or a file in a scratch directory that is then loaded into the `PostgreSQL` database a
/// `postgres://` URL names, in one transaction.
enum ImportTarget {
    Sqlite(PathBuf),
    Postgres {
        url: String,
        file: PathBuf,
        _work: tempfile::TempDir,
    },
}

impl ImportTarget {
    fn of(db: &DbPath) -> Result<Self, Failure> {
        match postgres_url(db) {
            None => Ok(ImportTarget::Sqlite(db.resolve()?)),
            Some(url) => {
                let work = scratch()?;
                Ok(ImportTarget::Postgres {
                    url,
                    file: work.path().join("customs.db"),
                    _work: work,
                })
            }
        }
    }

    /// The database file the import writes.
    fn file(&self) -> &std::path::Path {
        match self {
            ImportTarget::Sqlite(path) => path,
            ImportTarget::Postgres { file, .. } => file,
        }
    }

    /// Loads the imported file into `PostgreSQL` (nothing to do for a `SQLite` target).
    fn finish(&self) -> Result<(), Failure> {
        if let ImportTarget::Postgres { url, file, .. } = self {
            let snapshot = customs_db::Store::open(file).map_err(|e| Failure::db(&e))?;
            let mut store =
                customs_db_postgres::PgStore::open_for_update(url).map_err(|e| Failure::db(&e))?;
            store
                .import_snapshot(&snapshot)
                .map_err(|e| Failure::db(&e))?;
        }
        Ok(())
    }

    fn describe(&self) -> String {
        match self {
            ImportTarget::Sqlite(path) => path.display().to_string(),
            ImportTarget::Postgres { url, .. } => customs_db_postgres::redact(url),
        }
    }
}

fn export_failure(e: &ExportError) -> Failure {
    match e {
        ExportError::Db(e) => Failure::db(e),
        ExportError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            Failure::no_input(e)
        }
        ExportError::Io { .. } => Failure::io(e),
        ExportError::TooNew { .. } => Failure::config(e),
        ExportError::Invalid { .. } | ExportError::Checksum { .. } => Failure::data(e),
    }
}

pub fn export(args: &ExportArgs) -> Result<u8, Failure> {
    let work = scratch()?;
    let db = export_source(&args.db, work.path())?;
    let exported = customs_db::export_db(&db, &args.file).map_err(|e| export_failure(&e))?;
    let m = &exported.metadata;
    let records: u64 = m.feeds.iter().map(|f| f.records).sum();
    println!("{}  {}", exported.file_digest, args.file.display());
    eprintln!(
        "exported database {} (schema {}, {} feeds, {records} records) to {} ({} bytes)",
        m.database_digest,
        m.schema_version,
        m.feeds.len(),
        args.file.display(),
        exported.file_size
    );
    Ok(0)
}

fn parse_digest(s: &str) -> Result<Digest, Failure> {
    Digest::parse(s).map_err(|e| Failure::usage(format!("--digest {s:?}: {e}")))
}

pub fn import(args: &ImportArgs) -> Result<u8, Failure> {
    let target = ImportTarget::of(&args.db)?;
    let expect = ImportExpectations {
        file_digest: args.digest.as_deref().map(parse_digest).transpose()?,
        metadata: None,
    };
    let m = customs_db::import_db(&args.file, target.file(), &expect)
        .map_err(|e| export_failure(&e))?;
    target.finish()?;
    eprintln!(
        "imported database {} (schema {}, built {}) into {}",
        m.database_digest,
        m.schema_version,
        m.built_at.as_deref().unwrap_or("-"),
        target.describe()
    );
    Ok(0)
}

/// `registry:` prefixes are accepted for symmetry with `customs scan`.
fn registry_reference(s: &str) -> &str {
    s.strip_prefix("registry:").unwrap_or(s)
}

pub fn push(args: &PushArgs) -> Result<u8, Failure> {
    let options = crate::commands::registry_options(&args.registry)?;
    let work = scratch()?;
    let db = export_source(&args.db, work.path())?;
    let file = work.path().join(LAYER_TITLE);
    let exported = customs_db::export_db(&db, &file).map_err(|e| export_failure(&e))?;
    let m = &exported.metadata;
    let mut annotations = BTreeMap::new();
    if let Some(built) = &m.built_at {
        annotations.insert("org.opencontainers.image.created".to_owned(), built.clone());
    }
    annotations.insert("io.customs.db.digest".to_owned(), m.database_digest.clone());
    annotations.insert(
        "io.customs.db.schema".to_owned(),
        m.schema_version.to_string(),
    );
    let artifact = customs_image::registry::Artifact {
        artifact_type: ARTIFACT_TYPE.to_owned(),
        config_media_type: CONFIG_MEDIA_TYPE.to_owned(),
        config: exported.metadata_json.clone(),
        layers: vec![customs_image::registry::ArtifactBlob {
            media_type: LAYER_MEDIA_TYPE.to_owned(),
            path: file.clone(),
            digest: exported.file_digest.clone(),
            size: exported.file_size,
            annotations: BTreeMap::from([(
                "org.opencontainers.image.title".to_owned(),
                LAYER_TITLE.to_owned(),
            )]),
        }],
        annotations,
    };
    let pushed = customs_image::registry::push_artifact(
        registry_reference(&args.reference),
        &options,
        &artifact,
    )
    .map_err(|e| Failure::image(&e))?;
    println!("{}@{}", pushed.reference, pushed.manifest_digest);
    eprintln!(
        "pushed database {} (schema {}, {} bytes; {} blobs uploaded)",
        m.database_digest, m.schema_version, exported.file_size, pushed.uploaded
    );
    Ok(0)
}

pub fn pull(args: &PullArgs) -> Result<u8, Failure> {
    let target = ImportTarget::of(&args.db)?;
    let options = crate::commands::registry_options(&args.registry)?;
    let reference = registry_reference(&args.reference);
    let pulled =
        customs_image::registry::pull_artifact(reference, &options, customs_db::MAX_METADATA_BYTES)
            .map_err(|e| Failure::image(&e))?;
    let config_type = pulled.config.media_type.as_deref().unwrap_or("none");
    if pulled.artifact_type.as_deref() != Some(ARTIFACT_TYPE) && config_type != CONFIG_MEDIA_TYPE {
        return Err(Failure::data(format!(
            "{reference} is not a customs database (artifactType {}, config media type {config_type}); \
             expected artifactType {ARTIFACT_TYPE} as written by `customs db push`",
            pulled.artifact_type.as_deref().unwrap_or("none"),
        )));
    }
    let metadata =
        customs_db::parse_metadata(&pulled.config_bytes, std::path::Path::new(reference))
            .map_err(|e| export_failure(&e))?;
    let [layer] = pulled.layers.as_slice() else {
        return Err(Failure::data(format!(
            "{reference}: a customs database artifact has exactly one layer, this one has {}",
            pulled.layers.len()
        )));
    };
    if layer.media_type.as_deref() != Some(LAYER_MEDIA_TYPE) {
        return Err(Failure::data(format!(
            "{reference}: the layer's media type is {}, expected {LAYER_MEDIA_TYPE}",
            layer.media_type.as_deref().unwrap_or("none")
        )));
    }
    if layer.size > customs_db::MAX_PAYLOAD_BYTES {
        return Err(Failure::data(format!(
            "{reference}: the layer is {} bytes, more than the limit of {}",
            layer.size,
            customs_db::MAX_PAYLOAD_BYTES
        )));
    }
    // Downloaded next to the database (same file system, nothing written elsewhere) and
    // removed when done.
    let dir = match target.file().parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    fs_err::create_dir_all(&dir).map_err(|e| Failure::io(e.to_string()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".customs-pull-")
        .suffix(".tar.zst")
        .tempfile_in(&dir)
        .map_err(|e| Failure::io(format!("{}: {e}", dir.display())))?;
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        pulled
            .download_blob(layer, &mut w)
            .map_err(|e| Failure::image(&e))?;
        w.flush().map_err(|e| Failure::io(e.to_string()))?;
    }
    let expect = ImportExpectations {
        file_digest: Some(layer.digest.clone()),
        metadata: Some(metadata),
    };
    let m = customs_db::import_db(tmp.path(), target.file(), &expect)
        .map_err(|e| export_failure(&e))?;
    target.finish()?;
    eprintln!(
        "pulled {} and imported database {} (schema {}, built {}) into {}",
        pulled.reference,
        m.database_digest,
        m.schema_version,
        m.built_at.as_deref().unwrap_or("-"),
        target.describe()
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_select_the_server_store() {
        let db = |s: &str| DbPath {
            db: Some(PathBuf::from(s)),
        };
        assert_eq!(
            postgres_url(&db("postgres://u@h/d")).as_deref(),
            Some("postgres://u@h/d")
        );
        assert_eq!(postgres_url(&db("./customs.db")), None);
        assert_eq!(postgres_url(&DbPath { db: None }), None);
        // An import into PostgreSQL names the server without its password.
        let target = ImportTarget::of(&db("postgresql://u:pw@h/d")).unwrap();
        assert_eq!(target.describe(), "postgresql://u:***@h/d");
        assert!(target.file().ends_with("customs.db"));
    }
}
