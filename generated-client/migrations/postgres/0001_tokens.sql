-- leadconnector: OAuth token pairs shared by every replica of an app.
-- Applied by `PostgresStore::migrate` (recorded in leadconnector_migrations),
-- or by the app's own migration tool: this file is the whole schema.

-- Versions come from one sequence, so that a key removed and stored again
-- never gets back a version an old reader still holds.
CREATE SEQUENCE IF NOT EXISTS leadconnector_token_versions;

CREATE TABLE IF NOT EXISTS leadconnector_tokens (
    -- 'location' or 'company', and the Location's or Company's id.
    kind          text        NOT NULL CHECK (kind IN ('location', 'company')),
    id            text        NOT NULL,
    -- Larger after every write (compare-and-swap).
    version       bigint      NOT NULL,
    access_token  text        NOT NULL,
    -- Empty for a Location token obtained from an Agency token (it has none).
    refresh_token text        NOT NULL,
    expires_at    timestamptz NOT NULL,
    user_type     text,
    location_id   text,
    company_id    text,
    scope         text,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, id)
);
