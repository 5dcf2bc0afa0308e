//! A real, throwaway `PostgreSQL` server: Debian's `initdb` and `postgres` (package
//! `postgresql`, binaries in `/usr/lib/postgresql/VERSION/bin`) on a free 127.0.0.1 port with
//! its data directory in a temporary directory, stopped by pid on drop.
//!
//! `PostgreSQL` refuses to run as root. When the tests run as root (CI does), the data
//! directory is handed to the `postgres` system user (or `nobody` when there is none) and
//! `initdb` / `postgres` are started through `setpriv`, which changes the user and then
//! execs, so the child process *is* the server and its pid is the one stopped. Durability is
//! switched off (`fsync`, `synchronous_commit`, `full_page_writes`): the data is thrown
//! away, and a test's speed matters more.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

use crate::tools::{file_tail, is_root, run};

/// How long [`Postgres::start`] waits for the server to accept connections.
pub const POSTGRES_START_TIMEOUT: Duration = Duration::from_mins(1);

/// The superuser `initdb` creates (trust authentication on 127.0.0.1 only).
pub const POSTGRES_USER: &str = "customs";

/// A running `PostgreSQL` server, stopped (by pid) and deleted on drop.
pub struct Postgres {
    child: Child,
    port: u16,
    bin: PathBuf,
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("pid", &self.child.id())
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// The newest `/usr/lib/postgresql/*/bin` holding `initdb`, or a message saying what to
/// install.
pub fn postgres_bin_dir() -> Result<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| {
                    let version = e.file_name().to_str()?.parse::<u32>().ok()?;
                    let bin = e.path().join("bin");
                    bin.join("initdb").is_file().then_some((version, bin))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    match found.pop() {
        Some((_, bin)) => Ok(bin),
        None => bail!(
            "PostgreSQL server binaries (initdb, postgres) not found under /usr/lib/postgresql/*/bin; \
             install them with `apt-get install -y postgresql` (the CI script .ci/run does this)"
        ),
    }
}

/// uid and gid of `user` from /etc/passwd.
fn passwd_ids(user: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 3 && f[0] == user).then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))?
    })
}

fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

impl Postgres {
    /// Initializes a cluster in a temporary directory and starts it on a free port; waits
    /// until it accepts connections.
    pub fn start() -> Result<Self> {
        let bin = postgres_bin_dir()?;
        let dir = tempfile::Builder::new()
            .prefix("customs-postgres-")
            .tempdir()?;
        let data = dir.path().join("data");
        // Run as an unprivileged user when we are root.
        let ids = if is_root() {
            let ids = passwd_ids("postgres")
                .or_else(|| passwd_ids("nobody"))
                .context("running as root but neither a `postgres` nor a `nobody` user exists")?;
            std::os::unix::fs::chown(dir.path(), Some(ids.0), Some(ids.1))?;
            Some(ids)
        } else {
            None
        };
        let command = |program: &Path| {
            let mut cmd = match ids {
                Some((uid, gid)) => {
                    let mut c = Command::new("setpriv");
                    c.arg(format!("--reuid={uid}"))
                        .arg(format!("--regid={gid}"))
                        .arg("--clear-groups")
                        .arg("--")
                        .arg(program);
                    c
                }
                None => Command::new(program),
            };
            cmd.current_dir(dir.path()).env("LC_ALL", "C.UTF-8");
            cmd
        };
        run(command(&bin.join("initdb")).arg("-D").arg(&data).args([
            "-U",
            POSTGRES_USER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
            "--no-instructions",
        ]))
        .context("initdb")?;
        let log_path = dir.path().join("postgres.log");
        let mut last_error = None;
        for _ in 0..3 {
            let port = free_port()?;
            let log = fs_err::File::create(&log_path)?;
            if let Some((uid, gid)) = ids {
                std::os::unix::fs::chown(&log_path, Some(uid), Some(gid))?;
            }
            let child = command(&bin.join("postgres"))
                .arg("-D")
                .arg(&data)
                .arg("-p")
                .arg(port.to_string())
                .arg("-c")
                .arg("listen_addresses=127.0.0.1")
                .arg("-c")
                .arg(format!("unix_socket_directories={}", dir.path().display()))
                .args([
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "max_connections=30",
                    "-c",
                    "shared_buffers=32MB",
                ])
                .stdin(Stdio::null())
                .stdout(log.file().try_clone()?)
                .stderr(log.file().try_clone()?)
                .spawn()
                .context("spawning postgres")?;
            let mut pg = Pending { child, port };
            match wait_ready(&mut pg, &bin, &log_path) {
                Ok(()) => {
                    return Ok(Postgres {
                        child: pg.child,
                        port,
                        bin,
                        dir,
                    });
                }
                Err(e) => {
                    stop_child(&mut pg.child);
                    last_error = Some(e);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("postgres did not start")))
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last `n` lines of the server log.
    pub fn log_tail(&self, n: usize) -> String {
        file_tail(&self.dir.path().join("postgres.log"), n)
    }

    /// `postgres://customs@127.0.0.1:PORT/DB`.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{POSTGRES_USER}@127.0.0.1:{}/{database}",
            self.port
        )
    }

    /// Creates an empty database and returns its URL.
    pub fn create_database(&self, name: &str) -> Result<String> {
        run(Command::new(self.bin.join("createdb"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", POSTGRES_USER, name]))
        .with_context(|| format!("createdb {name}; log:\n{}", self.log_tail(15)))?;
        Ok(self.url(name))
    }

    /// Runs SQL through `psql` against `database` and returns its unaligned output.
    pub fn psql(&self, database: &str, sql: &str) -> Result<String> {
        run(Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", POSTGRES_USER, "-d", database, "-c", sql]))
        .with_context(|| format!("psql {sql:?}"))
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        stop_child(&mut self.child);
    }
}

/// A server started but not yet known to be ready.
struct Pending {
    child: Child,
    port: u16,
}

fn wait_ready(pg: &mut Pending, bin: &Path, log: &Path) -> Result<()> {
    let deadline = Instant::now() + POSTGRES_START_TIMEOUT;
    loop {
        if let Some(status) = pg.child.try_wait()? {
            bail!(
                "postgres exited with {status}; log:\n{}",
                file_tail(log, 30)
            );
        }
        let ready = Command::new(bin.join("pg_isready"))
            .args(["-q", "-h", "127.0.0.1", "-p", &pg.port.to_string()])
            .args(["-U", POSTGRES_USER])
            .stdin(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ready {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "postgres did not accept connections on port {} within {POSTGRES_START_TIMEOUT:?}; log:\n{}",
                pg.port,
                file_tail(log, 30)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Fast shutdown (SIGINT) by pid, then SIGKILL after 10 s.
fn stop_child(child: &mut Child) {
    if matches!(child.try_wait(), Ok(None)) {
        let _ = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}
