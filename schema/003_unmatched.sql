-- SPDX-License-Identifier: BSD-2-Clause
-- Schema version 3: a store-wide count of authentications whose key matched
-- no key of the store (a wrong secret, an unknown id, another account's
-- key), attributed to no key.  Every tracking child writes one row (this one
-- when the secret matched nothing), so that what the child does -- which
-- every local user can time in /proc -- is the same whether or not the
-- secret was right.
CREATE TABLE unmatched (
  id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
  count   INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0),
  last_at INTEGER
) STRICT;
INSERT INTO unmatched (id) VALUES (1);
