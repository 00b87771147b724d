-- Invariant (check_violations): accounts disabled within the window (and more
-- than an hour ago) with no notification sent to their owner. Counted only.
-- Indexes: users_disabled (range), notifications_user (ref).
SELECT COUNT(*)
FROM users u
LEFT JOIN notifications n ON n.user_id = u.id AND n.kind = 'account_disabled'
WHERE u.disabled_at >= NOW() - INTERVAL %(window)s SECOND
  AND u.disabled_at < NOW() - INTERVAL 1 HOUR
  AND n.id IS NULL
