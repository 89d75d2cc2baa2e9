//! The `strata` binary as the command-line tests run it: an empty home folder, no AWS settings
//! of this machine, a data folder of its own, and what it printed, as text.
#![allow(
    dead_code,
    reason = "each test binary compiles this module anew and uses only part of it"
)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::process::Output;

/// The binary with an empty home folder, no AWS settings of this machine and no instance
/// metadata, so that nothing reaches AWS and nothing of the person running the tests is read.
pub fn strata() -> Command {
    static HOME: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let home = HOME.get_or_init(|| tempfile::tempdir().expect("an empty home folder"));
    let mut cmd = Command::cargo_bin("strata").expect("the strata binary is built");
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("AWS_") || name.starts_with("XDG_") {
            cmd.env_remove(name.as_ref());
        }
    }
    cmd.env("HOME", home.path())
        .env("AWS_EC2_METADATA_DISABLED", "true");
    cmd
}

/// [`strata`] working in `dir`, with `dir` as its home folder and its run store in
/// `dir/.data`.
pub fn strata_in(dir: &Path) -> Command {
    let mut cmd = strata();
    cmd.current_dir(dir)
        .env("HOME", dir)
        .env("STRATA_DATA_DIR", dir.join(".data"));
    cmd
}

/// What one `strata` command did: its exit code and what it printed.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Runs `cmd` to the end and keeps its exit code and output.
    pub fn of(cmd: &mut Command) -> Run {
        Run::from(cmd.output().expect("strata runs"))
    }

    /// Asserts the exit code; a failure shows both streams.
    #[track_caller]
    pub fn exits(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "{}{}", self.stdout, self.stderr);
        self
    }

    /// Asserts that stdout holds `text`; a failure shows stdout.
    #[track_caller]
    pub fn stdout_has(&self, text: &str) -> &Run {
        assert!(self.stdout.contains(text), "{}", self.stdout);
        self
    }

    /// Asserts that stderr holds `text`; a failure shows stderr.
    #[track_caller]
    pub fn stderr_has(&self, text: &str) -> &Run {
        assert!(self.stderr.contains(text), "{}", self.stderr);
        self
    }
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().expect("an exit code, not a signal"),
            stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
            stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
        }
    }
}

/// `strata ARGS…` in the current folder.
pub fn run(args: &[&str]) -> Run {
    Run::of(strata().args(args))
}

/// `strata ARGS…` run in `dir`, with a data folder of its own (`DIR/.data`).
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    Run::of(
        strata()
            .args(args)
            .current_dir(dir)
            .env("STRATA_DATA_DIR", dir.join(".data")),
    )
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// A temporary folder holding the project NAME made by `strata new NAME --template TEMPLATE`.
pub struct Project {
    pub dir: tempfile::TempDir,
    /// `NAME.strata.json`, relative to the folder.
    pub file: String,
}

impl Project {
    pub fn new(name: &str, template: &str) -> Project {
        let dir = tempfile::tempdir().expect("temporary folder");
        run_in(dir.path(), &["new", name, "--template", template]).exits(0);
        Project {
            dir,
            file: format!("{name}.strata.json"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the project folder.
    pub fn join(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// `strata ARGS…` in the project folder.
    pub fn strata(&self, args: &[&str]) -> Run {
        run_in(self.path(), args)
    }

    /// `strata run NAME.strata.json`, to which the test adds flags before [`FlowRun::output`].
    pub fn run(&self) -> FlowRun<'_> {
        FlowRun {
            project: self,
            args: vec!["run".to_owned(), self.file.clone()],
        }
    }
}

/// A `strata run` command line of a [`Project`], built up flag by flag.
pub struct FlowRun<'p> {
    project: &'p Project,
    args: Vec<String>,
}

impl FlowRun<'_> {
    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|a| (*a).to_owned()));
        self
    }

    pub fn input(self, json: &str) -> Self {
        self.args(&["--input", json])
    }

    pub fn sample(self, name: &str) -> Self {
        self.args(&["--sample", name])
    }

    pub fn replay(self, file: &str) -> Self {
        self.args(&["--replay", file])
    }

    pub fn answers(self, file: &str) -> Self {
        self.args(&["--answers", file])
    }

    /// Runs without recording the run in the data folder.
    pub fn no_store(self) -> Self {
        self.args(&["--no-store"])
    }

    pub fn output(self) -> Run {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        self.project.strata(&args)
    }
}
