//! Where local code runs: inside bubblewrap on Linux (own PID, mount, IPC, UTS and network
//! namespaces; only the interpreter, the system folders and the code's own folder visible,
//! read-only), elsewhere with a scrubbed environment and an empty temporary HOME and working
//! folder. Also the process group that a timeout or cancellation kills as a whole.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Once, OnceLock};
use std::time::Duration;
use tokio::process::Command;

#[cfg(target_os = "linux")]
mod descendants;

/// Variables the child inherits from Strata; everything else (AWS_*, tokens, …) is dropped.
const KEPT_ENV: &[&str] = &["PATH", "LANG"];

/// Set to `1` to give sandboxed local code the network (a deployed Lambda has it; local runs
/// default to none, so that code under test cannot send anything anywhere).
const NETWORK_ENV: &str = "STRATA_LOCAL_CODE_NETWORK";

/// Inside the sandbox: the fresh HOME and working folder, both on a tmpfs at `/tmp`.
const SANDBOX_HOME: &str = "/tmp/home";
const SANDBOX_WORK: &str = "/tmp/work";

/// System folders the interpreters need, bound read-only (or recreated as the same symlink).
const SYSTEM_DIRS: &[&str] = &[
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
];

/// The few files of `/etc` an interpreter uses: certificates, time zone, the linker cache.
/// Deliberately not `/etc/passwd`, `/etc/hosts` and the like unless the network is on.
const ETC_FILES: &[&str] = &[
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/pki",
    "/etc/alternatives",
    "/etc/localtime",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
];
const ETC_NETWORK_FILES: &[&str] = &[
    "/etc/resolv.conf",
    "/etc/hosts",
    "/etc/nsswitch.conf",
    "/etc/gai.conf",
];

/// An interpreter found on PATH: the file to execute and the installation folders it reads.
#[derive(Clone, Debug)]
pub(super) struct Interpreter {
    pub executable: PathBuf,
    pub prefixes: Vec<PathBuf>,
}

/// What the child is started with.
pub(super) struct Launch {
    pub command: Command,
    /// The empty HOME and working folder made for the scrubbed fallback; removed on drop.
    pub scratch: Option<Scratch>,
}

/// How a run of local code is isolated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Isolation {
    /// bubblewrap namespaces.
    Bubblewrap,
    /// A cleared environment and an empty temporary HOME and working folder only.
    Scrubbed,
}

/// Asks `program` (once per process) which executable and installation folders it uses, so
/// that the sandbox runs the real interpreter rather than a shim in the user's home (pyenv,
/// nvm, asdf) and can show it its own installation.
pub(super) async fn interpreter(program: &str) -> Result<Interpreter, String> {
    static FOUND: OnceLock<Mutex<BTreeMap<String, Interpreter>>> = OnceLock::new();
    let found = FOUND.get_or_init(Mutex::default);
    if let Some(known) = found.lock().ok().and_then(|m| m.get(program).cloned()) {
        return Ok(known);
    }
    let (flag, script) = if program == "node" {
        (
            "-e",
            "const p=require('path');console.log(JSON.stringify([process.execPath,p.dirname(p.dirname(process.execPath))]))",
        )
    } else {
        (
            "-c",
            "import json,sys;print(json.dumps([sys.executable,sys.prefix,sys.base_prefix]))",
        )
    };
    let mut command = Command::new(program);
    command
        .arg(flag)
        .arg(script)
        .env_clear()
        .stdin(Stdio::null())
        .kill_on_drop(true);
    for key in KEPT_ENV.iter().chain(&["HOME"]) {
        if let Some(v) = std::env::var_os(key) {
            command.env(key, v);
        }
    }
    let output = tokio::time::timeout(Duration::from_secs(30), command.output())
        .await
        .map_err(|_| "cannot start it: it did not say where it lives within 30 s".to_owned())?
        .map_err(|e| format!("cannot start it: {e}"))?;
    let paths: Vec<PathBuf> = serde_json::from_slice::<Vec<String>>(&output.stdout)
        .map_err(|_| {
            format!(
                "cannot start it: it did not say where it lives ({}){}",
                output.status,
                super::tail(&String::from_utf8_lossy(&output.stderr))
            )
        })?
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .collect();
    let Some((executable, rest)) = paths.split_first() else {
        return Err("cannot start it: it did not say where it lives".to_owned());
    };
    let mut prefixes = rest.to_vec();
    // A venv's `bin/python3` is a link into the base installation: show that one too.
    if let Ok(real) = std::fs::canonicalize(executable) {
        if let Some(prefix) = real.parent().and_then(Path::parent) {
            prefixes.push(prefix.to_path_buf());
        }
    }
    prefixes.sort();
    prefixes.dedup();
    let interpreter = Interpreter {
        executable: executable.clone(),
        prefixes,
    };
    if let Ok(mut m) = found.lock() {
        m.insert(program.to_owned(), interpreter.clone());
    }
    Ok(interpreter)
}

/// Whether bubblewrap can start here (checked once per process); prints the one-line warning
/// when it cannot.
pub(super) async fn isolation() -> Isolation {
    static CHECKED: tokio::sync::OnceCell<Isolation> = tokio::sync::OnceCell::const_new();
    let isolation = *CHECKED.get_or_init(probe_bubblewrap).await;
    if isolation == Isolation::Scrubbed {
        static WARNED: Once = Once::new();
        WARNED.call_once(|| {
            eprintln!(
                "warning: local code is not isolated on this machine (no working bubblewrap): \
                 it runs with a scrubbed environment and an empty HOME, but can read your files"
            );
        });
    }
    isolation
}

#[cfg(target_os = "linux")]
async fn probe_bubblewrap() -> Isolation {
    let mut command = Command::new("bwrap");
    command
        .args(bubblewrap_args(&[], None, false))
        .arg("true")
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    match tokio::time::timeout(Duration::from_secs(10), command.status()).await {
        Ok(Ok(status)) if status.success() => Isolation::Bubblewrap,
        Ok(Ok(_) | Err(_)) | Err(_) => Isolation::Scrubbed,
    }
}

#[cfg(not(target_os = "linux"))]
async fn probe_bubblewrap() -> Isolation {
    Isolation::Scrubbed
}

/// The environment a Lambda-like child gets, besides HOME and PATH: `given` (a handler's
/// Lambda variables and its binding's), then what the sandbox itself sets, which `given`
/// cannot replace.
fn lambda_env(code_dir: &Path, given: &BTreeMap<String, String>) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(OsString, OsString)> = given
        .iter()
        .map(|(k, v)| (OsString::from(k), OsString::from(v)))
        .collect();
    let fixed = [
        // Handlers live in the user's project: leave no `__pycache__` behind in it.
        ("PYTHONDONTWRITEBYTECODE", OsString::from("1")),
        ("LAMBDA_TASK_ROOT", code_dir.as_os_str().to_owned()),
    ];
    env.extend(fixed.map(|(k, v)| (OsString::from(k), v)));
    if let Some(lang) = std::env::var_os("LANG").filter(|_| !given.contains_key("LANG")) {
        env.push((OsString::from("LANG"), lang));
    }
    env
}

/// Builds the command that runs `interpreter flag wrapper` for code in `code_dir`.
/// `code_file` is bound on its own when `code_dir` cannot be (it holds the user's home).
pub(super) fn launch(
    isolation: Isolation,
    interpreter: &Interpreter,
    args: &[&str],
    code_dir: &Path,
    code_file: Option<&Path>,
    environment: &BTreeMap<String, String>,
) -> std::io::Result<Launch> {
    let env = lambda_env(code_dir, environment);
    match isolation {
        Isolation::Bubblewrap => {
            let mut visible: Vec<&Path> = interpreter
                .prefixes
                .iter()
                .map(PathBuf::as_path)
                .chain(interpreter.executable.parent())
                .filter(|p| bindable(p))
                .collect();
            match (bindable(code_dir), code_file) {
                (true, _) => visible.push(code_dir),
                (false, Some(file)) => visible.push(file),
                (false, None) => {}
            }
            let network = std::env::var_os(NETWORK_ENV).is_some_and(|v| v == "1");
            let mut command = Command::new("bwrap");
            command
                .args(bubblewrap_args(&visible, Some(SANDBOX_WORK), network))
                .arg(&interpreter.executable)
                .args(args)
                .env_clear()
                .envs(env)
                .env("HOME", SANDBOX_HOME)
                .env("TMPDIR", "/tmp")
                .env("PATH", sandbox_path(interpreter));
            Ok(Launch {
                command,
                scratch: None,
            })
        }
        Isolation::Scrubbed => {
            let scratch = Scratch::new()?;
            let mut command = Command::new(&interpreter.executable);
            command
                .args(args)
                .current_dir(scratch.work())
                .env_clear()
                .envs(env)
                .env("HOME", scratch.home())
                .env("TMPDIR", scratch.tmp());
            if let Some(path) = std::env::var_os("PATH") {
                command.env("PATH", path);
            }
            Ok(Launch {
                command,
                scratch: Some(scratch),
            })
        }
    }
}

/// PATH inside the sandbox: the interpreter's own folder, then the system's.
fn sandbox_path(interpreter: &Interpreter) -> OsString {
    let mut path = OsString::new();
    if let Some(dir) = interpreter.executable.parent() {
        path.push(dir);
        path.push(":");
    }
    path.push("/usr/local/bin:/usr/bin:/bin");
    path
}

/// Whether a folder may be shown to local code: never the root, the user's home or a folder
/// that holds it, and nothing the system folders already show.
fn bindable(dir: &Path) -> bool {
    if !dir.is_absolute() || dir.parent().is_none() {
        return false;
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if let Some(home) = home.filter(|h| h.is_absolute()) {
        let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        if canonical(&home).starts_with(canonical(dir)) {
            return false;
        }
    }
    true
}

/// bubblewrap's arguments, up to the program: every namespace new (the network kept only when
/// asked), the system folders and `visible` read-only, a fresh tmpfs for `/tmp` with HOME and
/// the working folder in it.
#[cfg_attr(
    not(target_os = "linux"),
    allow(dead_code, reason = "bubblewrap is Linux only")
)]
fn bubblewrap_args(visible: &[&Path], chdir: Option<&str>, network: bool) -> Vec<OsString> {
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |items: &[&dyn AsRef<std::ffi::OsStr>]| {
        args.extend(items.iter().map(|i| i.as_ref().to_owned()));
    };
    push(&[&"--unshare-all"]);
    if network {
        push(&[&"--share-net"]);
    }
    push(&[&"--die-with-parent", &"--new-session"]);
    for dir in SYSTEM_DIRS {
        let path = Path::new(dir);
        match std::fs::read_link(path) {
            Ok(target) => push(&[&"--symlink", &target, &path]),
            Err(_) if path.is_dir() => push(&[&"--ro-bind", &path, &path]),
            Err(_) => {}
        }
    }
    let etc = ETC_FILES
        .iter()
        .chain(if network { ETC_NETWORK_FILES } else { &[] });
    for file in etc {
        push(&[&"--ro-bind-try", file, file]);
    }
    push(&[&"--proc", &"/proc", &"--dev", &"/dev", &"--tmpfs", &"/tmp"]);
    push(&[&"--dir", &SANDBOX_HOME, &"--dir", &SANDBOX_WORK]);
    for path in visible {
        let covered = SYSTEM_DIRS.iter().any(|d| path.starts_with(d));
        if !covered {
            push(&[&"--ro-bind", path, path]);
        }
    }
    if let Some(dir) = chdir {
        push(&[&"--chdir", &dir]);
    }
    push(&[&"--"]);
    args
}

/// The empty HOME, working and temporary folders of an unisolated run; removed on drop.
pub(super) struct Scratch {
    root: PathBuf,
}

impl Scratch {
    fn new() -> std::io::Result<Scratch> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let root = std::env::temp_dir().join(format!(
            "strata-local-code-{}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            crate::agent::now_ms()
        ));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&root)?;
        let scratch = Scratch { root };
        for dir in [scratch.home(), scratch.work(), scratch.tmp()] {
            std::fs::create_dir(dir)?;
        }
        Ok(scratch)
    }

    fn home(&self) -> PathBuf {
        self.root.join("home")
    }

    fn work(&self) -> PathBuf {
        self.root.join("work")
    }

    fn tmp(&self) -> PathBuf {
        self.root.join("tmp")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// The child's process group, killed as a whole on drop: a timeout, a cancellation or an
/// answer given leaves no grandchild behind holding the pipes. While the child has not been
/// waited for, its descendants (found through `/proc` on Linux) are stopped and killed too,
/// even those that left its group with `setsid`.
pub(super) struct ProcessGroup {
    #[cfg_attr(not(unix), allow(dead_code, reason = "process groups are Unix only"))]
    leader: Option<u32>,
    /// The leader was waited for: its pid may belong to another process by now, so only its
    /// group is killed.
    #[cfg_attr(
        not(target_os = "linux"),
        allow(dead_code, reason = "descendants are found through Linux's /proc")
    )]
    reaped: bool,
}

impl ProcessGroup {
    /// The group of a child started with `process_group(0)`.
    pub fn of(child: &tokio::process::Child) -> ProcessGroup {
        ProcessGroup {
            leader: child.id(),
            reaped: false,
        }
    }

    /// Records that the leader was waited for.
    pub fn reaped(&mut self) {
        self.reaped = true;
    }

    /// Kills every process still in the group and, before the leader is waited for, every
    /// process descended from it.
    pub fn kill(&self) {
        #[cfg(unix)]
        if let Some(pid) = self
            .leader
            .and_then(|id| i32::try_from(id).ok())
            .and_then(rustix::process::Pid::from_raw)
        {
            #[cfg(target_os = "linux")]
            let tree = if self.reaped {
                Vec::new()
            } else {
                descendants::stop(pid)
            };
            // ESRCH: the group is already gone.
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
            #[cfg(target_os = "linux")]
            for pid in tree {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            }
        }
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_home_folder_and_its_parents_are_never_shown() {
        if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
            assert!(!bindable(&home));
            if let Some(parent) = home.parent() {
                assert!(!bindable(parent));
            }
        }
        assert!(!bindable(Path::new("/")));
        assert!(!bindable(Path::new("relative")));
    }

    #[test]
    fn bubblewrap_gets_every_namespace_and_no_network_by_default() {
        let args = bubblewrap_args(&[Path::new("/srv/project")], Some(SANDBOX_WORK), false);
        let args: Vec<String> = args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let joined = args.join(" ");
        assert!(
            joined.starts_with("--unshare-all --die-with-parent --new-session"),
            "{joined}"
        );
        assert!(!joined.contains("--share-net"), "{joined}");
        assert!(
            joined.contains("--ro-bind /srv/project /srv/project"),
            "{joined}"
        );
        assert!(
            !joined.contains("/etc/passwd") && !joined.contains("/etc/hosts"),
            "{joined}"
        );
        assert!(joined.ends_with("--chdir /tmp/work --"), "{joined}");
        let networked = bubblewrap_args(&[], None, true);
        assert!(networked.iter().any(|a| a == "--share-net"));
    }
}
