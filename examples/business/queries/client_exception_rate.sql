-- Client release exception rate (check_ratio): exception reports per 100 sessions
-- of the newest client release, in the window.
-- Indexes: releases_released (MAX, then ref), exceptions_version and
-- sessions_version (the version plus a range on the time).
SELECT
  (SELECT COUNT(*) FROM client_exceptions e
    WHERE e.client_version = r.version
      AND e.created_at >= NOW() - INTERVAL %(window)s SECOND),
  (SELECT COUNT(*) FROM client_sessions s
    WHERE s.client_version = r.version
      AND s.started_at >= NOW() - INTERVAL %(window)s SECOND)
FROM client_releases r
WHERE r.released_at = (SELECT MAX(released_at) FROM client_releases
                       WHERE released_at <= NOW())
ORDER BY r.version DESC
LIMIT 1
