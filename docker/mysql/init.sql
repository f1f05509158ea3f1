-- The sample shop: a business table and the outbox, written in one transaction per order.
CREATE TABLE IF NOT EXISTS shop.orders (
  id VARCHAR(64) PRIMARY KEY,
  aggregate VARCHAR(255) NOT NULL,
  amount DECIMAL(12, 2) NOT NULL
);

CREATE TABLE IF NOT EXISTS shop.outbox (
  id VARCHAR(64) PRIMARY KEY,
  aggregatetype VARCHAR(255) NOT NULL,
  aggregateid VARCHAR(255) NOT NULL,
  type VARCHAR(255) NOT NULL,
  payload JSON
);

-- Debezium reads the binlog as its own user.
CREATE USER IF NOT EXISTS 'debezium'@'%' IDENTIFIED BY 'dbz-local-only';
GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, LOCK TABLES ON *.* TO 'debezium'@'%';
FLUSH PRIVILEGES;

-- A few orders to start with: the connector's snapshot picks them up.
START TRANSACTION;
INSERT INTO shop.orders VALUES ('seed-1', 'order-1', 19.90);
INSERT INTO shop.outbox VALUES ('seed-1', 'Order', 'order-1', 'OrderCreated', '{"orderId": "order-1", "amount": 19.90}');
COMMIT;
START TRANSACTION;
INSERT INTO shop.orders VALUES ('seed-2', 'customer-1', 0);
INSERT INTO shop.outbox VALUES ('seed-2', 'Customer', 'customer-1', 'CustomerRegistered', '{"customerId": "customer-1"}');
COMMIT;
