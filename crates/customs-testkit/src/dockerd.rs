//! A real Docker daemon in a temporary directory, stopped on drop.

use std::ffi::OsStr;
use std::io::{Read as _, Write as _};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

use crate::tools::{file_tail, find_tool, is_root, run, unmount_all_under};

/// Only one daemon per test process at a time (tests in one binary run on threads): a
/// one-slot semaphore whose permit ([`Slot`]) is `Send`, so a `Dockerd` can move between threads.
static DAEMON_BUSY: Mutex<bool> = Mutex::new(false);
static DAEMON_FREED: Condvar = Condvar::new();

struct Slot;

impl Slot {
    fn acquire() -> Self {
        let mut busy = DAEMON_BUSY.lock().unwrap_or_else(PoisonError::into_inner);
        while *busy {
            busy = DAEMON_FREED
                .wait(busy)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *busy = true;
        Slot
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        *DAEMON_BUSY.lock().unwrap_or_else(PoisonError::into_inner) = false;
        DAEMON_FREED.notify_one();
    }
}

/// How long [`Dockerd::start`] waits for `/_ping`.
pub const START_TIMEOUT: Duration = Duration::from_mins(1);

/// A private `dockerd` (from Debian's docker.io) with its own data root, exec root and socket
/// under a short temporary directory in `/tmp` (unix socket paths must stay under 108 bytes).
///
/// Started with `--iptables=false --bridge=none` and an empty `--config-file`, so it neither
/// touches the host's firewall nor reads `/etc/docker/daemon.json`. On drop the daemon gets
/// SIGTERM, then SIGKILL after 20 s; leftover mounts under its directory are unmounted and the
/// directory removed. Within one process, daemons are serialized by a process-wide one-slot
/// semaphore held for the daemon's lifetime, so a second `start()` waits for the first daemon
/// to be dropped; separate processes (nextest runs each test in its own) each get their own
/// daemon. A `Dockerd` kept in a `static` is never dropped: its daemon would outlive the
/// tests, so prefer one per test. Needs root.
///
/// ```no_run
/// # fn main() -> anyhow::Result<()> {
/// let docker = customs_testkit::Dockerd::start()?;
/// docker.import_rootfs("rootfs.tar".as_ref(), "base:1")?;
/// docker.build("context-dir".as_ref(), "app:1")?;
/// docker.save("app:1", "app.tar".as_ref())?;
/// # Ok(()) }
/// ```
pub struct Dockerd {
    child: Child,
    root: PathBuf,
    socket: PathBuf,
    docker: PathBuf,
    _dir: tempfile::TempDir,
    // Declared last: released only after the daemon is stopped and its directory removed.
    _slot: Slot,
}

impl std::fmt::Debug for Dockerd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dockerd")
            .field("pid", &self.child.id())
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

impl Dockerd {
    /// Starts the daemon and waits (up to [`START_TIMEOUT`]) until `GET /_ping` answers `OK`.
    /// On failure the error carries the tail of the daemon's log.
    pub fn start() -> Result<Self> {
        if !is_root() {
            bail!("Dockerd::start needs root (dockerd mounts overlayfs); run the tests as root");
        }
        let Some(dockerd) = find_tool("dockerd") else {
            bail!("dockerd not found; install it with `apt-get install -y docker.io`");
        };
        let Some(docker) = find_tool("docker") else {
            bail!("docker CLI not found; install it with `apt-get install -y docker.io`");
        };
        let slot = Slot::acquire();
        let dir = tempfile::Builder::new()
            .prefix("cdk")
            .tempdir_in("/tmp")
            .context("creating dockerd dir in /tmp")?;
        let root = dir.path().to_path_buf();
        let socket = root.join("d.sock");
        fs_err::write(root.join("daemon.json"), "{}")?;
        fs_err::create_dir_all(root.join("cli"))?;
        let log = fs_err::File::create(root.join("dockerd.log"))?;
        let child = Command::new(&dockerd)
            .arg("--data-root")
            .arg(root.join("data"))
            .arg("--exec-root")
            .arg(root.join("exec"))
            .arg("-H")
            .arg(format!("unix://{}", socket.display()))
            .arg("--pidfile")
            .arg(root.join("dockerd.pid"))
            .arg("--config-file")
            .arg(root.join("daemon.json"))
            .args(["--iptables=false", "--ip-masq=false", "--bridge=none"])
            .stdin(Stdio::null())
            .stdout(log.file().try_clone()?)
            .stderr(log.file().try_clone()?)
            .spawn()
            .with_context(|| format!("spawning {}", dockerd.display()))?;
        let mut daemon = Dockerd {
            child,
            root,
            socket,
            docker,
            _dir: dir,
            _slot: slot,
        };
        daemon.wait_ready(START_TIMEOUT)?;
        Ok(daemon)
    }

    fn wait_ready(&mut self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "dockerd exited during startup with {status}; log tail:\n{}",
                    self.log_tail(40)
                );
            }
            if self.ping() {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "dockerd did not answer /_ping on {} within {timeout:?}; log tail:\n{}",
                    self.socket.display(),
                    self.log_tail(40)
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Whether `GET /_ping` on the socket answers `200 OK`.
    pub fn ping(&self) -> bool {
        let Ok(mut stream) = UnixStream::connect(&self.socket) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
        if stream
            .write_all(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            .is_err()
        {
            return false;
        }
        let mut reply = String::new();
        let _ = stream.read_to_string(&mut reply);
        reply.starts_with("HTTP/1.") && reply.lines().next().is_some_and(|l| l.contains(" 200 "))
    }

    /// The daemon's unix socket.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// `unix://<socket>`, the value for `DOCKER_HOST`.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// The daemon's data root (`--data-root`).
    pub fn data_root(&self) -> PathBuf {
        self.root.join("data")
    }

    /// The process id of `dockerd`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last `n` lines of the daemon's log.
    pub fn log_tail(&self, n: usize) -> String {
        file_tail(&self.root.join("dockerd.log"), n)
    }

    /// A `docker` CLI command aimed at this daemon (`DOCKER_HOST`, a private `DOCKER_CONFIG`,
    /// `DOCKER_BUILDKIT=0` so builds use the classic builder, which needs no network).
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.docker);
        cmd.env("DOCKER_HOST", self.host())
            .env("DOCKER_CONFIG", self.root.join("cli"))
            .env("DOCKER_BUILDKIT", "0")
            .env_remove("DOCKER_CONTEXT")
            .env_remove("DOCKER_TLS_VERIFY")
            .env_remove("DOCKER_CERT_PATH");
        cmd
    }

    /// Runs `docker ARGS...` against this daemon; returns trimmed stdout. Errors carry stderr
    /// and the daemon's log tail.
    pub fn docker<I, S>(&self, args: I) -> Result<String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = self.command();
        cmd.args(args);
        run(&mut cmd)
            .map(|s| s.trim().to_string())
            .with_context(|| format!("dockerd log tail:\n{}", self.log_tail(15)))
    }

    /// `docker import ROOTFS_TAR TAG`: a one-layer image from a root filesystem tar (plain or
    /// compressed). Returns the image ID (`sha256:...`).
    pub fn import_rootfs(&self, rootfs_tar: &Path, tag: &str) -> Result<String> {
        self.docker([
            OsStr::new("import"),
            rootfs_tar.as_os_str(),
            OsStr::new(tag),
        ])
        .and_then(|_| self.image_id(tag))
        .map_err(|e| e.context(format!("docker import {} {tag}", rootfs_tar.display())))
    }

    /// `docker build --network=none -t TAG CONTEXT_DIR` with the classic builder. Returns the
    /// image ID. `RUN` steps work (they run in containers without network).
    pub fn build(&self, context_dir: &Path, tag: &str) -> Result<String> {
        self.docker([
            OsStr::new("build"),
            OsStr::new("--network=none"),
            OsStr::new("-t"),
            OsStr::new(tag),
            context_dir.as_os_str(),
        ])
        .and_then(|_| self.image_id(tag))
        .map_err(|e| e.context(format!("docker build -t {tag} {}", context_dir.display())))
    }

    /// `docker save -o OUT_PATH TAG` (Docker 20.10 writes the legacy layout).
    pub fn save(&self, tag: &str, out_path: &Path) -> Result<()> {
        self.docker([
            OsStr::new("save"),
            OsStr::new("-o"),
            out_path.as_os_str(),
            OsStr::new(tag),
        ])
        .map(drop)
    }

    /// `docker load -i ARCHIVE`; returns docker's output (`Loaded image: ...`).
    pub fn load(&self, archive: &Path) -> Result<String> {
        self.docker([OsStr::new("load"), OsStr::new("-i"), archive.as_os_str()])
    }

    /// The image ID (`sha256:...`) of `reference`.
    pub fn image_id(&self, reference: &str) -> Result<String> {
        self.docker(["image", "inspect", "-f", "{{.Id}}", reference])
    }

    fn stop(&mut self) {
        let pid = self.child.id();
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                match self.child.try_wait() {
                    Ok(Some(_)) => break,
                    Ok(None) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(100));
                    }
                    _ => {
                        let _ = self.child.kill();
                        let _ = self.child.wait();
                        break;
                    }
                }
            }
        }
        self.kill_leftover_containerd();
        unmount_all_under(&self.root);
    }

    /// After a SIGKILL, dockerd's own containerd may survive: kill it, but only if its command
    /// line names our directory.
    fn kill_leftover_containerd(&self) {
        let pid_file = self.root.join("exec/containerd/containerd.pid");
        let Ok(pid) = std::fs::read_to_string(&pid_file) else {
            return;
        };
        let pid = pid.trim();
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            return;
        }
        let ours = std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmdline| {
            let root = self.root.as_os_str().as_encoded_bytes();
            cmdline.windows(root.len()).any(|w| w == root)
        });
        if ours {
            let _ = Command::new("kill").args(["-KILL", pid]).status();
        }
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dockerd_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<super::Dockerd>();
    }
}
