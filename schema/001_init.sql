-- SPDX-License-Identifier: BSD-2-Clause
-- pam_apikey store, schema version 1.
-- Times are Unix seconds (UTC).  Keys are never stored: only the peppered
-- BLAKE2b-256 hash of "v1" || id || secret.
CREATE TABLE keys (
  id                 TEXT    NOT NULL PRIMARY KEY
                             CHECK (length(id) = 12 AND id NOT GLOB '*[^0-9A-Za-z]*'),
  user               TEXT    NOT NULL CHECK (length(user) BETWEEN 1 AND 256),
  uid                INTEGER NOT NULL CHECK (uid >= 0),
  name               TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
  description        TEXT    NOT NULL DEFAULT '',
  hash               BLOB    NOT NULL CHECK (length(hash) = 32),
  created_at         INTEGER NOT NULL,
  expires_at         INTEGER,            -- NULL: never expires
  last_used_at       INTEGER,
  last_used_ip       TEXT,
  use_count          INTEGER NOT NULL DEFAULT 0 CHECK (use_count >= 0),
  last_denied_at     INTEGER,
  last_denied_ip     TEXT,
  last_denied_reason TEXT,
  UNIQUE (user, name)
) STRICT;

CREATE TABLE ip_rules (
  key_id   TEXT    NOT NULL REFERENCES keys (id) ON DELETE CASCADE,
  list     TEXT    NOT NULL CHECK (list IN ('allow', 'deny')),
  cidr     TEXT    NOT NULL CHECK (length(cidr) BETWEEN 3 AND 64),
  enabled  INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  position INTEGER NOT NULL,
  UNIQUE (key_id, list, cidr)
) STRICT;

CREATE INDEX ip_rules_by_key ON ip_rules (key_id, position);
