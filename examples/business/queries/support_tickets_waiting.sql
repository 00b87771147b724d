-- Support tickets waiting for an answer (check_lag): seconds the longest-waiting
-- ticket has waited; NULL when none waits. Window: longer than any wait to catch.
-- Index: tickets_waiting (state, waiting_since), range.
SELECT TIMESTAMPDIFF(SECOND, MIN(waiting_since), NOW())
FROM support_tickets
WHERE state = 'waiting' AND waiting_since >= NOW() - INTERVAL %(window)s SECOND
