-- Invariant (check_violations): users inactive for 18 months whose personal data
-- is still there one month later (the erasure deadline). Counted, never listed.
-- Index: users_erasure (erased_at, last_active_at): the range holds exactly the
-- violations, so the cost follows their number, not the number of users.
SELECT COUNT(*)
FROM users
WHERE erased_at IS NULL AND last_active_at < NOW() - INTERVAL 19 MONTH
