-- SPDX-License-Identifier: BSD-2-Clause
-- Schema version 4: service scopes and the verifier group.
--
-- key_services: a key's service scope, the PAM services it may log in
-- through ('apikeyctl create|edit|rotate --service'); a key with none may
-- log in through any.  Names as libpam passes them: lowercase.
--
-- verifier_services: the PAM services the verifier group (apikey-verify:
-- web servers' workers) may verify keys for ('apikeyctl verifier add').  A
-- member names the service it asks about, so only the services listed
-- here can be claimed; a key is checked for a member only when its scope
-- names the service and the service is listed (README: HTTP APIs).
CREATE TABLE key_services (
  key_id  TEXT NOT NULL REFERENCES keys (id) ON DELETE CASCADE,
  service TEXT NOT NULL CHECK (length(service) BETWEEN 1 AND 64
                               AND service NOT GLOB '*[^0-9a-z._-]*'),
  UNIQUE (key_id, service)
) STRICT;

CREATE INDEX key_services_by_key ON key_services (key_id);

CREATE TABLE verifier_services (
  service TEXT PRIMARY KEY CHECK (length(service) BETWEEN 1 AND 64
                                  AND service NOT GLOB '*[^0-9a-z._-]*')
) STRICT;
