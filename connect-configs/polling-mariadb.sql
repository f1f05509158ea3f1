-- Outbox table for the polling source on MariaDB / MySQL (InnoDB). For another table, replace every "outbox"
-- (the table, its counter table outbox_position and its trigger): each outbox table or shard has its own counter.
-- The trigger takes the row's position inside the writing transaction, under the counter row's lock, which is held
-- until that transaction commits or rolls back: positions are handed out in commit order. One statement both
-- increments the counter and reads it back (LAST_INSERT_ID(expr)); a trigger's change to LAST_INSERT_ID() is undone
-- when the trigger ends, so the writer's own LAST_INSERT_ID() (say, of its business row) is left as it was.
-- The table is clustered on the position: writers append at its end, and the relay reads and deletes ranges of
-- neighbouring rows; the event id stays unique beside it.
CREATE TABLE outbox (
  id VARCHAR(64) NOT NULL,
  aggregatetype VARCHAR(255) NOT NULL,
  aggregateid VARCHAR(255) NOT NULL,
  type VARCHAR(255) NOT NULL,
  payload LONGTEXT,
  seq BIGINT NOT NULL DEFAULT 0,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (seq),
  UNIQUE KEY outbox_id (id)
) ENGINE=InnoDB;

CREATE TABLE outbox_position (
  id TINYINT PRIMARY KEY,
  last_position BIGINT NOT NULL
) ENGINE=InnoDB;

INSERT INTO outbox_position (id, last_position) VALUES (1, 0);

DELIMITER //
CREATE TRIGGER outbox_take_position BEFORE INSERT ON outbox FOR EACH ROW
BEGIN
  UPDATE outbox_position SET last_position = LAST_INSERT_ID(last_position + 1) WHERE id = 1;
  SET NEW.seq = LAST_INSERT_ID();
END//
DELIMITER ;
