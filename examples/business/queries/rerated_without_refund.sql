-- Invariant (check_violations): purchases of products re-rated (removed) more than
-- a day ago, within the window, that have no refund. Counted, never listed.
-- Indexes: products_rerated (range), purchases_product (ref), refunds_purchase (eq_ref).
SELECT COUNT(*)
FROM products p
JOIN purchases pu ON pu.product_id = p.id
LEFT JOIN refunds r ON r.purchase_id = pu.id
WHERE p.rerated_at >= NOW() - INTERVAL %(window)s SECOND
  AND p.rerated_at < NOW() - INTERVAL 1 DAY
  AND r.id IS NULL
