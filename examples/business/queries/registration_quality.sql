-- Customer registration quality (check_ratio): verified, non-spam / all registrations.
-- Index: registrations_created (created_at, verified, spam), range, covering.
SELECT COALESCE(SUM(verified = 1 AND spam = 0), 0), COUNT(*)
FROM registrations
WHERE created_at >= NOW() - INTERVAL %(window)s SECOND
