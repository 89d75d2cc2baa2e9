//! Flow versions and aliases, as in Bedrock: a version is an immutable numbered snapshot of a
//! flow, an alias a movable name that points at one.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::FromRow;

pub use crate::lifecycle::listing::{AliasMove, VersionOutcome};

use super::{from_sql_int, now_ms, to_sql_int, Error, Result, Store};

/// A stored version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionRecord {
    pub project: String,
    pub flow: String,
    pub number: u32,
    /// FNV-1a 64 of the canonical snapshot, as 16 hex digits.
    pub content_hash: String,
    pub description: String,
    pub snapshot: Value,
    pub created_at_ms: u64,
}

/// A stored alias.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasRecord {
    pub project: String,
    pub flow: String,
    pub name: String,
    pub version: u32,
    pub updated_at_ms: u64,
}

#[derive(FromRow)]
struct VersionRow {
    project: String,
    flow: String,
    number: u32,
    content_hash: String,
    description: String,
    snapshot_json: String,
    created_at_ms: i64,
}

#[derive(FromRow)]
struct AliasRow {
    project: String,
    flow: String,
    name: String,
    version: u32,
    updated_at_ms: i64,
}

impl Store {
    /// Stores `snapshot` as the next version of a flow, numbered from 1 per (project, flow).
    /// The same snapshot again (equal as JSON, whatever its key order or spacing) returns the
    /// existing number with `created: false`; its description is then left as it was, since
    /// versions never change.
    pub async fn create_version(
        &self,
        project: &str,
        flow: &str,
        snapshot: &Value,
        description: &str,
    ) -> Result<VersionOutcome> {
        const OP: &str = "create version";
        let canonical = self.encode_json(OP, "snapshot_json", &canonical_json(snapshot))?;
        let hash = format!("{:016x}", fnv1a_64(canonical.as_bytes()));
        // One statement, so SQLite runs the "is it new?" check and the numbering atomically,
        // even against another Strata process creating a version at the same moment.
        let inserted: Option<u32> = sqlx::query_scalar(
            "INSERT INTO versions (project, flow, number, content_hash, description, snapshot_json, created_at_ms) \
             SELECT ?1, ?2, next, ?3, ?4, ?5, ?6 \
             FROM (SELECT COALESCE(MAX(number), 0) + 1 AS next FROM versions \
                   WHERE project = ?1 AND flow = ?2) \
             WHERE NOT EXISTS (SELECT 1 FROM versions WHERE project = ?1 AND flow = ?2 \
                               AND content_hash = ?3 AND snapshot_json = ?5) \
             RETURNING number",
        )
        .bind(project)
        .bind(flow)
        .bind(&hash)
        .bind(description)
        .bind(&canonical)
        .bind(to_sql_int(now_ms()))
        .fetch_optional(&self.pool)
        .await
        .map_err(self.query_error(OP))?;
        if let Some(number) = inserted {
            return Ok(VersionOutcome {
                number,
                created: true,
            });
        }
        // The hash only narrows the search: the snapshot text decides, so an FNV collision
        // can never pass one flow off as another.
        let number: u32 = sqlx::query_scalar(
            "SELECT number FROM versions WHERE project = ?1 AND flow = ?2 AND content_hash = ?3 \
             AND snapshot_json = ?4 ORDER BY number LIMIT 1",
        )
        .bind(project)
        .bind(flow)
        .bind(&hash)
        .bind(&canonical)
        .fetch_one(&self.pool)
        .await
        .map_err(self.query_error(OP))?;
        Ok(VersionOutcome {
            number,
            created: false,
        })
    }

    /// One version of a flow, if it exists.
    pub async fn get_version(
        &self,
        project: &str,
        flow: &str,
        number: u32,
    ) -> Result<Option<VersionRecord>> {
        const OP: &str = "get version";
        let row: Option<VersionRow> = sqlx::query_as(
            "SELECT project, flow, number, content_hash, description, snapshot_json, created_at_ms \
             FROM versions WHERE project = ?1 AND flow = ?2 AND number = ?3",
        )
        .bind(project)
        .bind(flow)
        .bind(number)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.query_error(OP))?;
        row.map(|row| self.version_record(OP, row)).transpose()
    }

    /// A flow's versions, oldest (1) first.
    pub async fn list_versions(&self, project: &str, flow: &str) -> Result<Vec<VersionRecord>> {
        const OP: &str = "list versions";
        let rows: Vec<VersionRow> = sqlx::query_as(
            "SELECT project, flow, number, content_hash, description, snapshot_json, created_at_ms \
             FROM versions WHERE project = ?1 AND flow = ?2 ORDER BY number",
        )
        .bind(project)
        .bind(flow)
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_error(OP))?;
        rows.into_iter()
            .map(|row| self.version_record(OP, row))
            .collect()
    }

    /// Points alias `name` of a flow at `version`, creating the alias or moving it. The version
    /// must exist. Each move is kept (see [`Store::rollback_alias`]); pointing the alias where it
    /// already points records nothing.
    pub async fn set_alias(
        &self,
        project: &str,
        flow: &str,
        name: &str,
        version: u32,
    ) -> Result<()> {
        const OP: &str = "set alias";
        let mut tx = self.pool.begin().await.map_err(self.query_error(OP))?;
        // Both statements take the same parameters: ?1 project, ?2 flow, ?3 alias, ?4 version,
        // ?5 the time of the move.
        let moved_at = to_sql_int(now_ms());
        let bound = |sql: &'static str| {
            sqlx::query(sql)
                .bind(project)
                .bind(flow)
                .bind(name)
                .bind(version)
                .bind(moved_at)
        };
        // The move first: a write as the transaction's first statement takes SQLite's write
        // lock at once, so no other writer can slip in between reading the alias and moving it.
        bound(
            "INSERT INTO alias_moves (project, flow, name, from_version, to_version, moved_at_ms) \
             SELECT ?1, ?2, ?3, \
                    (SELECT version FROM aliases WHERE project = ?1 AND flow = ?2 AND name = ?3), ?4, ?5 \
             WHERE EXISTS (SELECT 1 FROM versions WHERE project = ?1 AND flow = ?2 AND number = ?4) \
             AND (SELECT version FROM aliases WHERE project = ?1 AND flow = ?2 AND name = ?3) IS NOT ?4",
        )
        .execute(&mut *tx)
        .await
        .map_err(self.query_error(OP))?;
        // `WHERE EXISTS` makes a missing version a zero-row insert we can name, rather than a
        // bare foreign-key failure. The WHERE also keeps SQLite from reading ON CONFLICT as a join.
        let written = bound(
            "INSERT INTO aliases (project, flow, name, version, updated_at_ms) \
             SELECT ?1, ?2, ?3, ?4, ?5 \
             WHERE EXISTS (SELECT 1 FROM versions WHERE project = ?1 AND flow = ?2 AND number = ?4) \
             ON CONFLICT (project, flow, name) DO UPDATE SET version = excluded.version, \
             updated_at_ms = excluded.updated_at_ms",
        )
        .execute(&mut *tx)
        .await
        .map_err(self.query_error(OP))?
        .rows_affected();
        if written == 0 {
            return Err(Error::VersionNotFound {
                op: OP,
                project: project.to_owned(),
                flow: flow.to_owned(),
                number: version,
                path: self.path.clone(),
            });
        }
        tx.commit().await.map_err(self.query_error(OP))?;
        Ok(())
    }

    /// Points alias `name` back at the version it pointed at before its last move, and
    /// returns that move undone. A second rollback goes one more move back; an alias that has
    /// never moved (or was moved only by a Strata that kept no moves) has nothing to go back to.
    pub async fn rollback_alias(&self, project: &str, flow: &str, name: &str) -> Result<AliasMove> {
        const OP: &str = "roll back alias";
        let mut tx = self.pool.begin().await.map_err(self.query_error(OP))?;
        let undone: Option<(Option<u32>, u32)> = sqlx::query_as(
            "UPDATE alias_moves SET undone = 1 WHERE id = \
             (SELECT id FROM alias_moves WHERE project = ?1 AND flow = ?2 AND name = ?3 \
              AND undone = 0 ORDER BY id DESC LIMIT 1) \
             AND from_version IS NOT NULL \
             RETURNING from_version, to_version",
        )
        .bind(project)
        .bind(flow)
        .bind(name)
        .fetch_optional(&mut *tx)
        .await
        .map_err(self.query_error(OP))?;
        let Some((Some(back), from)) = undone else {
            drop(tx);
            let exists = self.get_alias(project, flow, name).await?.is_some();
            return Err(if exists {
                Error::NothingToRollBack {
                    op: OP,
                    project: project.to_owned(),
                    flow: flow.to_owned(),
                    name: name.to_owned(),
                    path: self.path.clone(),
                }
            } else {
                Error::AliasNotFound {
                    op: OP,
                    project: project.to_owned(),
                    flow: flow.to_owned(),
                    name: name.to_owned(),
                    path: self.path.clone(),
                }
            });
        };
        sqlx::query(
            "UPDATE aliases SET version = ?4, updated_at_ms = ?5 \
             WHERE project = ?1 AND flow = ?2 AND name = ?3",
        )
        .bind(project)
        .bind(flow)
        .bind(name)
        .bind(back)
        .bind(to_sql_int(now_ms()))
        .execute(&mut *tx)
        .await
        .map_err(self.query_error(OP))?;
        tx.commit().await.map_err(self.query_error(OP))?;
        Ok(AliasMove {
            name: name.to_owned(),
            from: Some(from),
            to: back,
        })
    }

    /// The version a rollback of alias `name` would point it at, if any.
    pub async fn rollback_target(
        &self,
        project: &str,
        flow: &str,
        name: &str,
    ) -> Result<Option<u32>> {
        const OP: &str = "alias rollback target";
        let back: Option<Option<u32>> = sqlx::query_scalar(
            "SELECT from_version FROM alias_moves WHERE project = ?1 AND flow = ?2 AND name = ?3 \
             AND undone = 0 ORDER BY id DESC LIMIT 1",
        )
        .bind(project)
        .bind(flow)
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.query_error(OP))?;
        Ok(back.flatten())
    }

    /// One alias of a flow, if it exists.
    pub async fn get_alias(
        &self,
        project: &str,
        flow: &str,
        name: &str,
    ) -> Result<Option<AliasRecord>> {
        const OP: &str = "get alias";
        let row: Option<AliasRow> = sqlx::query_as(
            "SELECT project, flow, name, version, updated_at_ms FROM aliases \
             WHERE project = ?1 AND flow = ?2 AND name = ?3",
        )
        .bind(project)
        .bind(flow)
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.query_error(OP))?;
        Ok(row.map(alias_record))
    }

    /// A flow's aliases by name.
    pub async fn list_aliases(&self, project: &str, flow: &str) -> Result<Vec<AliasRecord>> {
        const OP: &str = "list aliases";
        let rows: Vec<AliasRow> = sqlx::query_as(
            "SELECT project, flow, name, version, updated_at_ms FROM aliases \
             WHERE project = ?1 AND flow = ?2 ORDER BY name",
        )
        .bind(project)
        .bind(flow)
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_error(OP))?;
        Ok(rows.into_iter().map(alias_record).collect())
    }

    fn version_record(&self, op: &'static str, row: VersionRow) -> Result<VersionRecord> {
        Ok(VersionRecord {
            snapshot: self.decode_json(op, "snapshot_json", &row.snapshot_json)?,
            project: row.project,
            flow: row.flow,
            number: row.number,
            content_hash: row.content_hash,
            description: row.description,
            created_at_ms: from_sql_int(row.created_at_ms),
        })
    }
}

fn alias_record(row: AliasRow) -> AliasRecord {
    AliasRecord {
        project: row.project,
        flow: row.flow,
        name: row.name,
        version: row.version,
        updated_at_ms: from_sql_int(row.updated_at_ms),
    }
}

/// The snapshot with every object's keys sorted, so equal JSON hashes and compares equal
/// whether or not serde_json keeps insertion order (its `preserve_order` feature is
/// crate-wide and any dependency may turn it on).
fn canonical_json(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), canonical_json(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical_json).collect()),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => value.clone(),
    }
}

/// FNV-1a, 64 bits: stable across platforms and releases (unlike `std`'s hasher), and plenty for
/// an index key whose matches are checked against the full snapshot anyway.
fn fnv1a_64(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(PRIME)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_published_vectors() {
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn canonical_json_ignores_key_order() {
        let a: Value =
            serde_json::from_str(r#"{"b": 1, "a": {"y": [1, {"q": 2, "p": 3}], "x": null}}"#)
                .unwrap();
        let b: Value =
            serde_json::from_str(r#"{"a": {"x": null, "y": [1, {"p": 3, "q": 2}]}, "b": 1}"#)
                .unwrap();
        assert_eq!(
            serde_json::to_string(&canonical_json(&a)).unwrap(),
            serde_json::to_string(&canonical_json(&b)).unwrap()
        );
    }
}
