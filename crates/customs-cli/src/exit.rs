//! Exit codes (documented in docs/exit-codes.md and `customs --help`).
//!
//! They follow sysexits(3) so scripts can tell "the image is bad" from "the network is down"
//! from "you typed it wrong"; `--exit-code N` picks the code for "findings remain".

use std::fmt::Display;

pub const USAGE: u8 = 64;
pub const DATA: u8 = 65;
pub const NO_INPUT: u8 = 66;
pub const UNAVAILABLE: u8 = 69;
pub const IO: u8 = 74;
pub const NO_PERM: u8 = 77;
pub const CONFIG: u8 = 78;

/// A failure with its exit code, message and what to do next.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
    pub hint: Option<String>,
}

impl Failure {
    fn new(code: u8, message: impl Display) -> Self {
        Failure {
            code,
            message: message.to_string(),
            hint: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn usage(message: impl Display) -> Self {
        Failure::new(USAGE, message)
    }

    pub fn data(message: impl Display) -> Self {
        Failure::new(DATA, message)
    }

    pub fn no_input(message: impl Display) -> Self {
        Failure::new(NO_INPUT, message)
    }

    pub fn io(message: impl Display) -> Self {
        Failure::new(IO, message)
    }

    pub fn config(message: impl Display) -> Self {
        Failure::new(CONFIG, message)
    }

    pub fn image(e: &customs_image::ImageError) -> Self {
        use customs_image::ImageError as E;
        match e {
            E::NotFound(_) => Failure::new(NO_INPUT, e).hint("check the path; use docker-archive:PATH or oci:DIR[:TAG]"),
            E::BadReference { .. } => Failure::new(USAGE, e),
            E::Io(_) => Failure::new(IO, e),
            E::Daemon { .. } => Failure::new(UNAVAILABLE, e).hint("start the Docker daemon or point DOCKER_HOST at its socket; or scan a `docker save` tarball"),
            E::NotInDaemon { .. } => Failure::new(NO_INPUT, e).hint("check `docker images`; for a file, give its path (./NAME)"),
            E::NotAnImage { .. } => Failure::new(DATA, e).hint("customs reads `docker save` tarballs (docker-archive:PATH) and OCI layouts (oci:DIR[:TAG])"),
            E::Registry { .. } => Failure::new(UNAVAILABLE, e).hint("check the registry address and the network; --timeout SECONDS waits longer; --insecure for a registry without TLS"),
            E::RegistryAuth { registry, .. } => Failure::new(NO_PERM, e).hint(format!("log in with `docker login {registry}` (customs reads ~/.docker/config.json and its credential helpers), or pass --username NAME --password-stdin, or set CUSTOMS_REGISTRY_USERNAME and CUSTOMS_REGISTRY_PASSWORD")),
            E::NotInRegistry { .. } => Failure::new(NO_INPUT, e).hint("check the repository name and the tag or digest"),
            E::DigestMismatch { .. } => Failure::new(DATA, e).hint("the image is corrupt or was tampered with; fetch it again"),
            _ => Failure::new(DATA, e),
        }
    }

    pub fn policy(e: &customs_policy::PolicyError) -> Self {
        use customs_policy::PolicyError as E;
        match e {
            E::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                Failure::new(NO_INPUT, e).hint("check the --ignore-file / --vex path")
            }
            E::Io { .. } => Failure::new(IO, e),
            E::Syntax { .. } => Failure::new(CONFIG, e).hint("ignore rules look like: CVE-2023-1234 package=openssl expires=2027-01-31 reason=\"...\" (docs/suppression.md)"),
            E::TooLarge { .. } | E::Vex { .. } => Failure::new(DATA, e),
        }
    }

    pub fn db(e: &customs_db::DbError) -> Self {
        use customs_db::DbError as E;
        match e {
            E::Missing { .. } => Failure::new(CONFIG, e).hint("offline: customs db update --feed debian-oval=PATH_OR_URL (see `customs db feeds`)"),
            E::TooNew { .. } | E::TooOld { .. } => Failure::new(CONFIG, e),
            E::Location(customs_feed::LocationError::NotFound { .. }) => Failure::new(NO_INPUT, e),
            E::Location(customs_feed::LocationError::Http { .. }) => Failure::new(UNAVAILABLE, e).hint("no network? use --feed KIND=PATH with local copies"),
            E::Feed(_)
            | E::Corrupt { .. }
            | E::Location(customs_feed::LocationError::Index { .. }) => Failure::new(DATA, e),
            E::Io { .. } | E::Location(_) | E::Sqlite { .. } => Failure::new(IO, e),
            E::Backend { .. } => Failure::new(UNAVAILABLE, e).hint("check the postgres:// URL, that the server is running and that the user may connect"),
        }
    }

    pub fn scan(e: customs_scan::ScanError) -> Self {
        match e {
            customs_scan::ScanError::Image(e) => Failure::image(&e),
            customs_scan::ScanError::Db(e) => Failure::db(&e),
            e @ customs_scan::ScanError::Analyzers(_) => Failure::new(70, e),
        }
    }
}
