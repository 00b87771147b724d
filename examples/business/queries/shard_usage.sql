-- Customer shard usage (check_shard_usage, run on every shard): accounts
-- allocated in this shard (ids are never reused) and the shard's capacity.
-- Cost: MAX of the primary key (one index dive) and one row by primary key.
SELECT (SELECT COALESCE(MAX(id), 0) FROM users), capacity
FROM shard_info
WHERE id = 1
