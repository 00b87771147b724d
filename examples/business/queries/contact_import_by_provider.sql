-- Contact bulk-import success per mail provider (check_ratio --group-by).
-- Index: imports_created (created_at, provider, succeeded), range, covering.
SELECT provider, COALESCE(SUM(succeeded), 0), COUNT(*)
FROM contact_imports
WHERE created_at >= NOW() - INTERVAL %(window)s SECOND
GROUP BY provider
ORDER BY provider
