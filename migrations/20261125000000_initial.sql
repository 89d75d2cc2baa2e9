-- The run store's first schema: runs and their events, flow versions and aliases,
-- agent sessions and memory. Times are Unix milliseconds (UTC); JSON is stored as text.
-- Tables are STRICT so a wrong type is an error at write time, not a surprise at read time.

CREATE TABLE runs (
    id             TEXT    NOT NULL PRIMARY KEY,
    project_path   TEXT    NOT NULL,
    project_name   TEXT    NOT NULL,
    flow           TEXT    NOT NULL,
    inputs_json    TEXT    NOT NULL,
    provider       TEXT    NOT NULL,
    alias          TEXT,
    status         TEXT    NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
    outputs_json   TEXT,
    error          TEXT,
    duration_ms    INTEGER,
    input_tokens   INTEGER,
    output_tokens  INTEGER,
    cost_usd       REAL,
    -- The process that recorded the run: a `running` run whose process is gone was cut short.
    host_pid       INTEGER NOT NULL,
    started_at_ms  INTEGER NOT NULL,
    finished_at_ms INTEGER
) STRICT;

CREATE INDEX runs_newest_first ON runs (started_at_ms DESC, id DESC);
CREATE INDEX runs_by_flow ON runs (flow, started_at_ms DESC);
CREATE INDEX runs_still_running ON runs (status) WHERE status = 'running';

CREATE TABLE run_events (
    run_id     TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    at_ms      INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    event_json TEXT    NOT NULL,
    PRIMARY KEY (run_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE versions (
    project       TEXT    NOT NULL,
    flow          TEXT    NOT NULL,
    number        INTEGER NOT NULL CHECK (number >= 1),
    -- FNV-1a 64 of the canonical snapshot: an index key only; equality compares the snapshot itself.
    content_hash  TEXT    NOT NULL,
    description   TEXT    NOT NULL,
    snapshot_json TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (project, flow, number)
) STRICT;

CREATE INDEX versions_by_hash ON versions (project, flow, content_hash);

-- Versions are immutable, as in Bedrock: the database refuses an edit even from outside Strata.
CREATE TRIGGER versions_are_immutable BEFORE UPDATE ON versions
BEGIN
    SELECT RAISE(ABORT, 'flow versions are immutable');
END;

CREATE TABLE aliases (
    project       TEXT    NOT NULL,
    flow          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (project, flow, name),
    FOREIGN KEY (project, flow, version) REFERENCES versions (project, flow, number)
) STRICT;

CREATE TABLE sessions (
    agent                  TEXT    NOT NULL,
    session_id             TEXT    NOT NULL,
    attributes_json        TEXT    NOT NULL,
    prompt_attributes_json TEXT    NOT NULL,
    history_json           TEXT    NOT NULL,
    updated_at_ms          INTEGER NOT NULL,
    PRIMARY KEY (agent, session_id)
) STRICT;

CREATE TABLE memory (
    id            INTEGER NOT NULL PRIMARY KEY,
    agent         TEXT    NOT NULL,
    memory_id     TEXT    NOT NULL,
    summary       TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX memory_newest_first ON memory (agent, memory_id, created_at_ms DESC, id DESC);
CREATE INDEX memory_by_age ON memory (agent, created_at_ms);
