-- Every move of an alias, oldest first, so a rollback can point the alias back at the version
-- it pointed at before. A rollback marks the move it undoes, so a second rollback goes one
-- step further back. Times are Unix milliseconds (UTC).
CREATE TABLE alias_moves (
    id            INTEGER NOT NULL PRIMARY KEY,
    project       TEXT    NOT NULL,
    flow          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    -- NULL: the move that created the alias.
    from_version  INTEGER,
    to_version    INTEGER NOT NULL,
    moved_at_ms   INTEGER NOT NULL,
    undone        INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1))
) STRICT;

CREATE INDEX alias_moves_by_alias ON alias_moves (project, flow, name, id);
