-- Database backups by last successful run (check_lag --if-none critical): seconds
-- since the last backup that finished OK; NULL when none did within the window.
-- Index: backups_status (status, finished_at), range.
SELECT TIMESTAMPDIFF(SECOND, MAX(finished_at), NOW())
FROM backups
WHERE status = 'ok' AND finished_at >= NOW() - INTERVAL %(window)s SECOND
