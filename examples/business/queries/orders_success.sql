-- Payment successful-orders rate (check_ratio): successful / all orders in the window.
-- Index: orders_created (created_at, status), range on created_at, covering.
SELECT COALESCE(SUM(status = 'ok'), 0), COUNT(*)
FROM orders
WHERE created_at >= NOW() - INTERVAL %(window)s SECOND
