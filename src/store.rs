//! The local store: runs and their traces, flow versions and aliases, agent sessions and memory,
//! kept in one SQLite file (`strata.sqlite`) in the user's data folder.
//!
//! Everything is async on sqlx with plain (runtime-built) queries: there is no database at build
//! time, so the compile-time-checked `query!` macros are deliberately absent. The schema lives
//! in `migrations/` and is embedded with `sqlx::migrate!()`, so a newer Strata brings an older
//! database up to date on open and never applies a migration twice.

mod recorder;
mod runs;
mod sessions;
mod versions;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

pub use recorder::{RunRecorder, BATCH_EVENTS, BATCH_INTERVAL};
pub use runs::{
    NewRun, RunFilter, RunId, RunOutcome, RunRecord, RunStatus, RunSummary, StoredEvent,
};
pub use sessions::{MemorySummary, SessionRecord, SessionState};
pub use versions::{AliasMove, AliasRecord, VersionOutcome, VersionRecord};

/// The database file's name inside the data folder.
pub const DATABASE_FILE: &str = "strata.sqlite";

/// The lock file beside the database that serialises migrations between processes.
pub const MIGRATION_LOCK_FILE: &str = "strata.sqlite.migrate-lock";

/// The environment variable that moves the data folder (below an explicit `--data-dir`).
pub const DATA_DIR_ENV: &str = "STRATA_DATA_DIR";

/// The schema, embedded at build time from `migrations/`.
static MIGRATOR: Migrator = sqlx::migrate!();

/// A failed store operation. Every variant names the database file and, for queries, the
/// operation, so a message read out of context still says what broke where.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "no per-user data folder is known on this system; pass --data-dir or set {DATA_DIR_ENV}"
    )]
    NoDataDir,
    #[error("cannot create the data folder {}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the database {} (is it a Strata database?)", path.display())]
    Open { path: PathBuf, source: sqlx::Error },
    #[error("cannot bring the database {} up to date", path.display())]
    Migrate { path: PathBuf, source: MigrateError },
    #[error("cannot take the migration lock {}", path.display())]
    MigrationLock {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{op} failed in {}", path.display())]
    Query {
        op: &'static str,
        path: PathBuf,
        source: sqlx::Error,
    },
    #[error("{op}: malformed JSON in {column} in {}", path.display())]
    Json {
        op: &'static str,
        column: &'static str,
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{op}: unexpected value {value:?} in {column} in {}", path.display())]
    BadValue {
        op: &'static str,
        column: &'static str,
        value: String,
        path: PathBuf,
    },
    #[error("{op}: no run {run_id} in {}", path.display())]
    RunNotFound {
        op: &'static str,
        run_id: String,
        path: PathBuf,
    },
    #[error("{op}: run {run_id} already finished as {status} in {}", path.display())]
    RunAlreadyFinished {
        op: &'static str,
        run_id: String,
        status: RunStatus,
        path: PathBuf,
    },
    #[error("the task recording run {run_id} stopped abnormally")]
    WriterStopped {
        run_id: String,
        source: tokio::task::JoinError,
    },
    #[error("{op}: flow {flow:?} of project {project:?} has no version {number} in {}", path.display())]
    VersionNotFound {
        op: &'static str,
        project: String,
        flow: String,
        number: u32,
        path: PathBuf,
    },
    #[error("{op}: flow {flow:?} of project {project:?} has no alias {name:?} in {}", path.display())]
    AliasNotFound {
        op: &'static str,
        project: String,
        flow: String,
        name: String,
        path: PathBuf,
    },
    #[error("{op}: alias {name:?} of {project}/{flow} has not moved since it was made: there is no earlier version to go back to")]
    NothingToRollBack {
        op: &'static str,
        project: String,
        flow: String,
        name: String,
        path: PathBuf,
    },
}

/// The result of a store operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A handle on the store. Cheap to clone: clones share one connection pool.
#[derive(Debug, Clone)]
pub struct Store {
    /// The pool; SQLite serialises writers, WAL lets readers go on meanwhile.
    pool: SqlitePool,
    /// The database file, for error messages (`:memory:` style pools report what sqlx knows).
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) `strata.sqlite` in `data_dir`, with WAL and foreign keys on,
    /// applies any migration the file has not seen yet, and marks the runs of processes that
    /// have gone as `interrupted` (see [`Store::mark_interrupted_runs`]).
    pub async fn open(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir).map_err(|source| Error::CreateDir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let path = data_dir.join(DATABASE_FILE);
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            // A second Strata process (the desktop app beside the CLI) may hold the write lock
            // for a moment; wait for it rather than fail.
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| Error::Open {
                path: path.clone(),
                source,
            })?;
        // sqlx's SQLite migrator takes no lock of its own: two processes opening a new data
        // folder at once would both apply the first migration and one would fail ("table runs
        // already exists"). An exclusive advisory lock on a file beside the database makes the
        // second wait until the first has finished, then find nothing left to apply.
        let lock_path = data_dir.join(MIGRATION_LOCK_FILE);
        let lock = MigrationLock::acquire(lock_path).await?;
        let store = Self::migrated(pool, path).await;
        drop(lock);
        let store = store?;
        // A run whose process died (killed, crashed, powered off) is cut short: every host
        // that opens the store, `strata runs list` included, shows it as such.
        store.mark_interrupted_runs().await?;
        Ok(store)
    }

    /// Wraps a pool someone else configured (e.g. the per-test database of `#[sqlx::test]`)
    /// and applies pending migrations. Foreign keys must be on, as sqlx's defaults have them.
    pub async fn from_pool(pool: SqlitePool) -> Result<Self> {
        let path = pool.connect_options().get_filename().to_path_buf();
        Self::migrated(pool, path).await
    }

    async fn migrated(pool: SqlitePool, path: PathBuf) -> Result<Self> {
        MIGRATOR.run(&pool).await.map_err(|source| Error::Migrate {
            path: path.clone(),
            source,
        })?;
        Ok(Self { pool, path })
    }

    /// The per-user data folder: `$STRATA_DATA_DIR` when set, otherwise the platform's data
    /// folder (`~/.local/share/strata` on Linux). A `--data-dir` flag beats both; see
    /// [`Store::resolve_data_dir`].
    pub fn default_data_dir() -> Result<PathBuf> {
        Self::resolve_data_dir(None)
    }

    /// The data folder to use: `explicit` (the caller's `--data-dir`), else `$STRATA_DATA_DIR`,
    /// else the platform's per-user data folder.
    pub fn resolve_data_dir(explicit: Option<&Path>) -> Result<PathBuf> {
        let platform = directories::ProjectDirs::from("", "", "strata")
            .map(|dirs| dirs.data_dir().to_path_buf());
        choose_data_dir(explicit, std::env::var_os(DATA_DIR_ENV), platform)
    }

    /// The database file this store writes to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes the pool, waiting for connections to finish (and WAL to checkpoint).
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// Builds a [`Error::Query`] for `op`.
    fn query_error(&self, op: &'static str) -> impl FnOnce(sqlx::Error) -> Error + '_ {
        move |source| Error::Query {
            op,
            path: self.path.clone(),
            source,
        }
    }

    /// Serialises a value for a JSON column.
    fn encode_json(
        &self,
        op: &'static str,
        column: &'static str,
        value: &serde_json::Value,
    ) -> Result<String> {
        serde_json::to_string(value).map_err(|source| Error::Json {
            op,
            column,
            path: self.path.clone(),
            source,
        })
    }

    /// Parses a JSON column; a failure means the file was edited or damaged outside Strata.
    fn decode_json(
        &self,
        op: &'static str,
        column: &'static str,
        text: &str,
    ) -> Result<serde_json::Value> {
        serde_json::from_str(text).map_err(|source| Error::Json {
            op,
            column,
            path: self.path.clone(),
            source,
        })
    }
}

/// An exclusive advisory lock on [`MIGRATION_LOCK_FILE`], held while migrations run and
/// released when dropped (or when the process dies, so a crash never leaves the store locked).
struct MigrationLock {
    /// The open lock file; closing it releases the lock.
    _file: std::fs::File,
}

impl MigrationLock {
    async fn acquire(path: PathBuf) -> Result<Self> {
        let error_path = path.clone();
        let locked = tokio::task::spawn_blocking(move || {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)?;
            // Blocks until every other holder (another process or pool) is done migrating.
            file.lock()?;
            Ok::<_, std::io::Error>(file)
        })
        .await
        .map_err(|join| std::io::Error::other(join.to_string()))
        .and_then(|result| result);
        match locked {
            Ok(file) => Ok(Self { _file: file }),
            Err(source) => Err(Error::MigrationLock {
                path: error_path,
                source,
            }),
        }
    }
}

/// The precedence rule behind [`Store::resolve_data_dir`], apart from the process environment
/// so it can be tested without mutating it.
fn choose_data_dir(
    explicit: Option<&Path>,
    env: Option<OsString>,
    platform: Option<PathBuf>,
) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        return Ok(dir.to_path_buf());
    }
    // An empty variable is treated as unset: `STRATA_DATA_DIR= strata run` should not write
    // into the current directory.
    if let Some(dir) = env.filter(|dir| !dir.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    platform.ok_or(Error::NoDataDir)
}

/// Milliseconds since the Unix epoch. A clock before 1970 reads as 0 rather than failing.
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

/// SQLite integers are signed; counters and times never come near `i64::MAX`, so clamping
/// (rather than failing) keeps the API infallible for values that cannot occur.
fn to_sql_int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// The inverse of [`to_sql_int`]; a negative value can only come from an outside edit.
fn from_sql_int(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// The last id tick handed out by this process: see [`next_tick`].
static LAST_TICK: AtomicU64 = AtomicU64::new(0);

/// A strictly increasing number per process, `unix_ms * 1000 + n`: it follows the clock, but
/// never repeats or goes back even when many ids are made in one millisecond or the clock is
/// set back. Paired with the process id it makes run ids unique across processes too.
fn next_tick() -> u64 {
    let now = now_ms().saturating_mul(1000);
    let mut last = LAST_TICK.load(Ordering::Relaxed);
    loop {
        let next = now.max(last + 1);
        match LAST_TICK.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_data_dir_beats_env_and_platform() {
        let dir = choose_data_dir(
            Some(Path::new("/flag")),
            Some("/env".into()),
            Some("/platform".into()),
        );
        assert_eq!(dir.unwrap(), PathBuf::from("/flag"));
    }

    #[test]
    fn env_data_dir_beats_platform_unless_empty() {
        let dir = choose_data_dir(None, Some("/env".into()), Some("/platform".into()));
        assert_eq!(dir.unwrap(), PathBuf::from("/env"));
        let dir = choose_data_dir(None, Some("".into()), Some("/platform".into()));
        assert_eq!(dir.unwrap(), PathBuf::from("/platform"));
    }

    #[test]
    fn no_data_dir_is_an_error() {
        assert!(matches!(
            choose_data_dir(None, None, None),
            Err(Error::NoDataDir)
        ));
    }

    #[test]
    fn ticks_strictly_increase() {
        let ticks: Vec<u64> = (0..10_000).map(|_| next_tick()).collect();
        assert!(ticks.windows(2).all(|pair| pair[0] < pair[1]));
    }
}
