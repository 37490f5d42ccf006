-- The broker's ID token of a MitID portal session, sent back to the broker as
-- `id_token_hint` when the citizen logs out (OpenID Connect RP-Initiated
-- Logout), so the broker ends its own session too. NULL for password logins.
-- Deleted with the session.
ALTER TABLE portal_sessions ADD COLUMN id_token TEXT;
