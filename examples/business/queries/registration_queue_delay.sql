-- Customer registration state-queue delay (check_lag): age in seconds of the
-- oldest pending registration queued within the window; NULL when none waits.
-- Index: queue_state (state, queued_at), range.
SELECT TIMESTAMPDIFF(SECOND, MIN(queued_at), NOW())
FROM registration_queue
WHERE state = 'pending' AND queued_at >= NOW() - INTERVAL %(window)s SECOND
