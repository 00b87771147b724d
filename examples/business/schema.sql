-- Reference schema of the business checks (MariaDB 10.5+ / MySQL 8).
-- Every checked query reads a range of an indexed time column (or a
-- constant-time MIN/MAX of an index): its cost follows the rows in its
-- window, never the size of the table. The index each query uses is named
-- in the comment of that query in queries/.

CREATE TABLE IF NOT EXISTS orders (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  created_at DATETIME NOT NULL,
  status ENUM('ok', 'failed') NOT NULL,
  amount_cents INT UNSIGNED NOT NULL,
  KEY orders_created (created_at, status)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS registrations (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  created_at DATETIME NOT NULL,
  verified TINYINT(1) NOT NULL,
  spam TINYINT(1) NOT NULL,
  KEY registrations_created (created_at, verified, spam)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS registration_queue (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  registration_id BIGINT UNSIGNED NOT NULL,
  state ENUM('pending', 'done', 'failed') NOT NULL,
  queued_at DATETIME NOT NULL,
  done_at DATETIME NULL,
  KEY queue_state (state, queued_at)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS contact_imports (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  provider VARCHAR(32) NOT NULL,
  created_at DATETIME NOT NULL,
  succeeded TINYINT(1) NOT NULL,
  KEY imports_created (created_at, provider, succeeded)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS client_releases (
  version VARCHAR(32) NOT NULL PRIMARY KEY,
  released_at DATETIME NOT NULL,
  KEY releases_released (released_at)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS client_sessions (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  client_version VARCHAR(32) NOT NULL,
  started_at DATETIME NOT NULL,
  KEY sessions_version (client_version, started_at)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS client_exceptions (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  session_id BIGINT UNSIGNED NOT NULL,
  client_version VARCHAR(32) NOT NULL,
  created_at DATETIME NOT NULL,
  KEY exceptions_version (client_version, created_at)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS support_tickets (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  subject VARCHAR(200) NOT NULL,
  state ENUM('waiting', 'answered', 'closed') NOT NULL,
  waiting_since DATETIME NOT NULL,
  KEY tickets_waiting (state, waiting_since)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS backups (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  started_at DATETIME NOT NULL,
  finished_at DATETIME NULL,
  status ENUM('running', 'ok', 'failed') NOT NULL,
  KEY backups_status (status, finished_at)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS products (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  creator_id BIGINT UNSIGNED NOT NULL,
  title VARCHAR(200) NOT NULL,
  rerated_at DATETIME NULL,
  KEY products_rerated (rerated_at)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS purchases (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  buyer_id BIGINT UNSIGNED NOT NULL,
  recipient_id BIGINT UNSIGNED NULL,
  product_id BIGINT UNSIGNED NOT NULL,
  created_at DATETIME NOT NULL,
  amount_cents INT UNSIGNED NOT NULL,
  KEY purchases_product (product_id),
  KEY purchases_created (created_at)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS refunds (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  purchase_id BIGINT UNSIGNED NOT NULL,
  refunded_to BIGINT UNSIGNED NOT NULL,
  created_at DATETIME NOT NULL,
  UNIQUE KEY refunds_purchase (purchase_id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS users (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(190) NULL,
  name VARCHAR(100) NULL,
  created_at DATETIME NOT NULL,
  last_active_at DATETIME NOT NULL,
  disabled_at DATETIME NULL,
  erased_at DATETIME NULL,
  KEY users_erasure (erased_at, last_active_at),
  KEY users_disabled (disabled_at)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS notifications (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  kind VARCHAR(32) NOT NULL,
  created_at DATETIME NOT NULL,
  KEY notifications_user (user_id, kind)
) ENGINE=InnoDB;

-- One row per shard database: how many customer accounts it may hold.
CREATE TABLE IF NOT EXISTS shard_info (
  id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  name VARCHAR(32) NOT NULL,
  capacity BIGINT UNSIGNED NOT NULL
) ENGINE=InnoDB;
