-- SPDX-License-Identifier: BSD-2-Clause
-- Schema version 2: key rotation ('apikeyctl rotate').  The old key names
-- its successor, the new key its predecessor.
ALTER TABLE keys ADD COLUMN rotated_to TEXT
  CHECK (rotated_to IS NULL OR length(rotated_to) = 12);
ALTER TABLE keys ADD COLUMN rotated_from TEXT
  CHECK (rotated_from IS NULL OR length(rotated_from) = 12);
