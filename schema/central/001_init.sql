-- SPDX-License-Identifier: BSD-2-Clause
-- pam_apikey central store (PostgreSQL), schema version 1: the keys of a
-- fleet, mirrored into each host's SQLite store by its agent (apikey-sync).
-- Every name is in the schema "apikey".  Times are Unix seconds (UTC); keys
-- are never stored, only the keyed hash, as in a host's store.
--
-- revision: every change apikeyctl commits takes the next one, under the
-- row lock of apikey.meta, so revisions commit in order; a key carries the
-- revision of its last change, a deleted key leaves a row in deleted_keys,
-- and an agent asks for everything past the revision it holds.
CREATE SCHEMA IF NOT EXISTS apikey;
REVOKE ALL ON SCHEMA apikey FROM PUBLIC;

CREATE TABLE apikey.meta (
  id             integer PRIMARY KEY CHECK (id = 1),
  schema_version integer NOT NULL DEFAULT 0,
  revision       bigint  NOT NULL DEFAULT 0 CHECK (revision >= 0),
  pepper_check   bytea   CHECK (pepper_check IS NULL OR length(pepper_check) = 32),
  -- the seal of the verifier group's services (central/rowmac.h)
  verifier_seal  bytea   CHECK (verifier_seal IS NULL OR length(verifier_seal) = 32)
);
INSERT INTO apikey.meta (id) VALUES (1);

CREATE TABLE apikey.keys (
  id           text    PRIMARY KEY CHECK (id ~ '^[0-9A-Za-z]{12}$'),
  user_name    text    NOT NULL CHECK (length(user_name) BETWEEN 1 AND 256),
  uid          bigint  NOT NULL CHECK (uid BETWEEN 0 AND 4294967294),
  name         text    NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
  description  text    NOT NULL DEFAULT '' CHECK (length(description) <= 1024),
  hash         bytea   NOT NULL CHECK (length(hash) = 32),
  created_at   bigint  NOT NULL CHECK (created_at > 0),
  expires_at   bigint  CHECK (expires_at > 0),
  rotated_to   text    CHECK (rotated_to ~ '^[0-9A-Za-z]{12}$'),
  rotated_from text    CHECK (rotated_from ~ '^[0-9A-Za-z]{12}$'),
  revision     bigint  NOT NULL CHECK (revision > 0),
  -- apikeyctl's seal over the row and its lists (central/rowmac.h): a
  -- host mirrors only a key whose seal it can check with the pepper
  seal         bytea   NOT NULL CHECK (length(seal) = 32),
  UNIQUE (user_name, name) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX keys_by_revision ON apikey.keys (revision);

CREATE TABLE apikey.ip_rules (
  key_id   text    NOT NULL REFERENCES apikey.keys (id) ON DELETE CASCADE,
  list     text    NOT NULL CHECK (list IN ('allow', 'deny')),
  cidr     text    NOT NULL CHECK (length(cidr) BETWEEN 3 AND 64),
  enabled  boolean NOT NULL,
  position integer NOT NULL CHECK (position >= 0),
  UNIQUE (key_id, list, cidr)
);

CREATE TABLE apikey.key_services (
  key_id  text NOT NULL REFERENCES apikey.keys (id) ON DELETE CASCADE,
  service text NOT NULL CHECK (service ~ '^[0-9a-z._-]{1,64}$'),
  UNIQUE (key_id, service)
);

CREATE TABLE apikey.key_host_groups (
  key_id     text NOT NULL REFERENCES apikey.keys (id) ON DELETE CASCADE,
  host_group text NOT NULL CHECK (host_group ~ '^[0-9a-z._-]{1,64}$'),
  UNIQUE (key_id, host_group)
);

CREATE TABLE apikey.verifier_services (
  service text PRIMARY KEY CHECK (service ~ '^[0-9a-z._-]{1,64}$')
);

CREATE TABLE apikey.deleted_keys (
  key_id   text   NOT NULL,
  revision bigint NOT NULL
);
CREATE INDEX deleted_keys_by_revision ON apikey.deleted_keys (revision);

-- What the hosts report: one row per key and host, written only through
-- apikey.report_usage (below), which names the host after the reporting
-- role (a host cannot report as another), takes reports of existing keys
-- only, clamps times to the server's clock, and adds up uses.  Rows go
-- with their key.
CREATE TABLE apikey.usage (
  key_id        text        NOT NULL REFERENCES apikey.keys (id) ON DELETE CASCADE,
  host          text        NOT NULL,
  uses          bigint      NOT NULL DEFAULT 0 CHECK (uses >= 0),
  last_used_at  bigint      CHECK (last_used_at > 0),
  last_used_ip  text        CHECK (length(last_used_ip) <= 255),
  denied_at     bigint      CHECK (denied_at > 0),
  denied_ip     text        CHECK (length(denied_ip) <= 255),
  denied_reason text        CHECK (length(denied_reason) <= 255),
  received_at   timestamptz NOT NULL,
  PRIMARY KEY (key_id, host)
);

CREATE FUNCTION apikey.report_usage(p_key text, p_uses bigint,
    p_used_at bigint, p_used_ip text, p_denied_at bigint, p_denied_ip text,
    p_reason text) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  now_s bigint := floor(extract(epoch FROM now()))::bigint;
BEGIN
  IF p_uses IS NULL OR p_uses < 0 THEN
    RAISE EXCEPTION 'bad use count';
  END IF;
  -- one report counts at most a million uses (a host that could not
  -- report for long loses the rest, not every later report)
  p_uses := least(p_uses, 1000000);
  -- (least() would turn a NULL into now)
  IF p_used_at > now_s THEN p_used_at := now_s; END IF;
  IF p_denied_at > now_s THEN p_denied_at := now_s; END IF;
  INSERT INTO apikey.usage AS u (key_id, host, uses, last_used_at,
      last_used_ip, denied_at, denied_ip, denied_reason, received_at)
    SELECT p_key, session_user, p_uses, p_used_at, p_used_ip, p_denied_at,
      p_denied_ip, p_reason, now()
    WHERE EXISTS (SELECT 1 FROM apikey.keys WHERE id = p_key)
  ON CONFLICT (key_id, host) DO UPDATE SET
    uses = u.uses + EXCLUDED.uses,
    last_used_ip = CASE WHEN EXCLUDED.last_used_at >= coalesce(u.last_used_at, 0)
      THEN EXCLUDED.last_used_ip ELSE u.last_used_ip END,
    last_used_at = greatest(u.last_used_at, EXCLUDED.last_used_at),
    denied_ip = CASE WHEN EXCLUDED.denied_at >= coalesce(u.denied_at, 0)
      THEN EXCLUDED.denied_ip ELSE u.denied_ip END,
    denied_reason = CASE WHEN EXCLUDED.denied_at >= coalesce(u.denied_at, 0)
      THEN EXCLUDED.denied_reason ELSE u.denied_reason END,
    denied_at = greatest(u.denied_at, EXCLUDED.denied_at),
    received_at = now();
END
$$;
REVOKE ALL ON FUNCTION apikey.report_usage(text, bigint, bigint, text, bigint,
  text, text) FROM PUBLIC;

-- The function runs as this role, which may do what it does and no more
-- (never as whoever ran init, a superuser perhaps).
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'apikey_usage_writer') THEN
    CREATE ROLE apikey_usage_writer NOLOGIN;
  END IF;
END
$$;
GRANT apikey_usage_writer TO CURRENT_USER;
GRANT USAGE ON SCHEMA apikey TO apikey_usage_writer;
GRANT SELECT (id) ON apikey.keys TO apikey_usage_writer;
GRANT SELECT, INSERT, UPDATE ON apikey.usage TO apikey_usage_writer;
ALTER FUNCTION apikey.report_usage(text, bigint, bigint, text, bigint, text,
  text) OWNER TO apikey_usage_writer;

-- The agents' role: read the keys, report usage; nothing else.  Each
-- host logs in as its own role, a member of this one.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'apikey_agent') THEN
    CREATE ROLE apikey_agent NOLOGIN;
  END IF;
END
$$;
GRANT USAGE ON SCHEMA apikey TO apikey_agent;
GRANT SELECT ON apikey.meta, apikey.keys, apikey.ip_rules, apikey.key_services,
  apikey.key_host_groups, apikey.verifier_services, apikey.deleted_keys
  TO apikey_agent;
GRANT EXECUTE ON FUNCTION apikey.report_usage(text, bigint, bigint, text,
  bigint, text, text) TO apikey_agent;
