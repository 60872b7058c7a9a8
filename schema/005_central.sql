-- SPDX-License-Identifier: BSD-2-Clause
-- Schema version 5: keys mirrored from a central PostgreSQL store by the
-- host's agent, apikey-sync (README: Many hosts).
--
-- keys.origin: 'local' keys are made and changed by apikeyctl on this host;
-- 'central' keys by apikey-sync only (local commands refuse to change them).
-- keys.last_used_host: the host of the last use, as the central store tells
-- it ('apikeyctl --central list'); NULL in a host's own store.
-- keys.sent_use_count, keys.sent_denied_at: the agent's record of the use
-- count and the denial it last reported to the central store.
-- keys.central_revision: the central revision that wrote a central key's
-- row (sealed with it): an older row is never taken over a newer one.
-- central_deleted: the central keys this host saw deleted; ids are random
-- and never come back, so a deleted key's row put back is refused.
-- key_host_groups: the host groups a central key is mirrored to (none:
-- every host).
-- central_sync: the agent's last contact with the central store; a central
-- key is refused once now - last_contact exceeds max_stale (seconds).
ALTER TABLE keys ADD COLUMN origin TEXT NOT NULL DEFAULT 'local'
  CHECK (origin IN ('local', 'central'));
ALTER TABLE keys ADD COLUMN last_used_host TEXT
  CHECK (last_used_host IS NULL OR length(last_used_host) BETWEEN 1 AND 64);
ALTER TABLE keys ADD COLUMN sent_use_count INTEGER NOT NULL DEFAULT 0
  CHECK (sent_use_count >= 0);
ALTER TABLE keys ADD COLUMN sent_denied_at INTEGER;
ALTER TABLE keys ADD COLUMN central_revision INTEGER;

CREATE TABLE central_deleted (
  id TEXT NOT NULL PRIMARY KEY CHECK (length(id) = 12)
) STRICT;

CREATE TABLE key_host_groups (
  key_id     TEXT NOT NULL REFERENCES keys (id) ON DELETE CASCADE,
  host_group TEXT NOT NULL CHECK (length(host_group) BETWEEN 1 AND 64
                                  AND host_group NOT GLOB '*[^0-9a-z._-]*'),
  UNIQUE (key_id, host_group)
) STRICT;

ALTER TABLE verifier_services ADD COLUMN origin TEXT NOT NULL DEFAULT 'local'
  CHECK (origin IN ('local', 'central'));

CREATE TABLE central_sync (
  id           INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
  last_contact INTEGER NOT NULL CHECK (last_contact > 0),
  max_stale    INTEGER NOT NULL CHECK (max_stale > 0),
  revision     INTEGER NOT NULL CHECK (revision >= 0)
) STRICT;
