//! Agent sessions and memory for the local agent runtime: a session carries attributes and the
//! conversation across invocations; memory carries summaries of ended sessions across sessions,
//! as Bedrock's `SESSION_SUMMARY` memory does.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::FromRow;

use super::{from_sql_int, now_ms, to_sql_int, Result, Store};

/// Milliseconds in a day, for memory retention.
const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// What a session holds: `sessionAttributes`, `promptSessionAttributes` and the conversation,
/// each as the agent runtime shapes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionState {
    pub attributes: Value,
    pub prompt_attributes: Value,
    pub history: Value,
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub agent: String,
    pub session_id: String,
    pub state: SessionState,
    /// When it was last saved: the runtime compares this with the agent's idle-session TTL.
    pub updated_at_ms: u64,
}

/// One memory summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemorySummary {
    pub summary: String,
    pub created_at_ms: u64,
}

#[derive(FromRow)]
struct SessionRow {
    agent: String,
    session_id: String,
    attributes_json: String,
    prompt_attributes_json: String,
    history_json: String,
    updated_at_ms: i64,
}

#[derive(FromRow)]
struct MemoryRow {
    summary: String,
    created_at_ms: i64,
}

impl Store {
    /// Saves a session's state, creating the session or replacing what it held.
    pub async fn upsert_session(
        &self,
        agent: &str,
        session_id: &str,
        state: &SessionState,
    ) -> Result<()> {
        const OP: &str = "save session";
        sqlx::query(
            "INSERT INTO sessions (agent, session_id, attributes_json, prompt_attributes_json, \
             history_json, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
             ON CONFLICT (agent, session_id) DO UPDATE SET attributes_json = excluded.attributes_json, \
             prompt_attributes_json = excluded.prompt_attributes_json, \
             history_json = excluded.history_json, updated_at_ms = excluded.updated_at_ms",
        )
        .bind(agent)
        .bind(session_id)
        .bind(self.encode_json(OP, "attributes_json", &state.attributes)?)
        .bind(self.encode_json(OP, "prompt_attributes_json", &state.prompt_attributes)?)
        .bind(self.encode_json(OP, "history_json", &state.history)?)
        .bind(to_sql_int(now_ms()))
        .execute(&self.pool)
        .await
        .map_err(self.query_error(OP))?;
        Ok(())
    }

    /// A session, if it was ever saved.
    pub async fn get_session(
        &self,
        agent: &str,
        session_id: &str,
    ) -> Result<Option<SessionRecord>> {
        const OP: &str = "get session";
        let row: Option<SessionRow> = sqlx::query_as(
            "SELECT agent, session_id, attributes_json, prompt_attributes_json, history_json, \
             updated_at_ms FROM sessions WHERE agent = ?1 AND session_id = ?2",
        )
        .bind(agent)
        .bind(session_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.query_error(OP))?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(SessionRecord {
            state: SessionState {
                attributes: self.decode_json(OP, "attributes_json", &row.attributes_json)?,
                prompt_attributes: self.decode_json(
                    OP,
                    "prompt_attributes_json",
                    &row.prompt_attributes_json,
                )?,
                history: self.decode_json(OP, "history_json", &row.history_json)?,
            },
            agent: row.agent,
            session_id: row.session_id,
            updated_at_ms: from_sql_int(row.updated_at_ms),
        }))
    }

    /// Adds the summary of an ended session to an agent's memory.
    pub async fn add_memory_summary(
        &self,
        agent: &str,
        memory_id: &str,
        summary: &str,
    ) -> Result<()> {
        const OP: &str = "add memory summary";
        sqlx::query(
            "INSERT INTO memory (agent, memory_id, summary, created_at_ms) VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(agent)
        .bind(memory_id)
        .bind(summary)
        .bind(to_sql_int(now_ms()))
        .execute(&self.pool)
        .await
        .map_err(self.query_error(OP))?;
        Ok(())
    }

    /// Up to `max` of a memory's summaries, newest first.
    pub async fn recent_memory(
        &self,
        agent: &str,
        memory_id: &str,
        max: u32,
    ) -> Result<Vec<MemorySummary>> {
        const OP: &str = "read memory";
        let rows: Vec<MemoryRow> = sqlx::query_as(
            "SELECT summary, created_at_ms FROM memory WHERE agent = ?1 AND memory_id = ?2 \
             ORDER BY created_at_ms DESC, id DESC LIMIT ?3",
        )
        .bind(agent)
        .bind(memory_id)
        .bind(max)
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_error(OP))?;
        Ok(rows
            .into_iter()
            .map(|row| MemorySummary {
                summary: row.summary,
                created_at_ms: from_sql_int(row.created_at_ms),
            })
            .collect())
    }

    /// Deletes an agent's summaries older than `storage_days` days and returns how many went.
    /// Per agent because `storageDays` is part of each agent's memory configuration in Bedrock:
    /// one agent's short retention must not erase another's memory.
    pub async fn prune_memory(&self, agent: &str, storage_days: u32) -> Result<u64> {
        const OP: &str = "prune memory";
        let cutoff = now_ms().saturating_sub(u64::from(storage_days).saturating_mul(DAY_MS));
        let deleted = sqlx::query("DELETE FROM memory WHERE agent = ?1 AND created_at_ms < ?2")
            .bind(agent)
            .bind(to_sql_int(cutoff))
            .execute(&self.pool)
            .await
            .map_err(self.query_error(OP))?
            .rows_affected();
        Ok(deleted)
    }
}
