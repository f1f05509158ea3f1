-- Outbox table for the polling source on MariaDB (10.6+) / MySQL (8.0+), InnoDB. For another table, replace every
-- "outbox" (the table, its writers table outbox_writers and its trigger): each outbox table or shard has its own.
-- The position is the table's AUTO_INCREMENT. Before a writing transaction takes a position, its trigger locks the
-- row of outbox_writers that belongs to its connection (CONNECTION_ID() % 64) and keeps that lock until it commits
-- or rolls back. A position that is missing among the committed rows is therefore either still held by a locked
-- writer row or will never appear; the relay tells the two apart without waiting on anything (see README, Polling:
-- why this source cannot skip a row). Writers of different slots never wait for each other.
-- Never set seq yourself, never delete rows of outbox_writers, and keep the trigger's 64 equal to its row count.
-- The outbox insert sets the connection's LAST_INSERT_ID(), as any AUTO_INCREMENT insert does.
CREATE TABLE outbox (
  id VARCHAR(64) NOT NULL,
  aggregatetype VARCHAR(255) NOT NULL,
  aggregateid VARCHAR(255) NOT NULL,
  type VARCHAR(255) NOT NULL,
  payload LONGTEXT,
  seq BIGINT NOT NULL AUTO_INCREMENT,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (seq),
  UNIQUE KEY outbox_id (id)
) ENGINE=InnoDB;

CREATE TABLE outbox_writers (
  slot SMALLINT NOT NULL PRIMARY KEY,
  gen BIGINT NOT NULL
) ENGINE=InnoDB;

INSERT INTO outbox_writers (slot, gen)
  WITH RECURSIVE slots (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM slots WHERE n < 63)
  SELECT n, 0 FROM slots;

DELIMITER //
CREATE TRIGGER outbox_mark_writer BEFORE INSERT ON outbox FOR EACH ROW
BEGIN
  UPDATE outbox_writers SET gen = gen + 1 WHERE slot = CONNECTION_ID() % 64;
  IF ROW_COUNT() <> 1 THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'outbox_writers has no row for this connection''s slot';
  END IF;
END//
DELIMITER ;
