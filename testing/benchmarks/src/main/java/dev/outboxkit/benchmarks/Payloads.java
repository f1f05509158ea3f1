package dev.outboxkit.benchmarks;

/** Realistic outbox payloads: an order event of about 1 KB of JSON, varied values, one shape. */
final class Payloads {

    private Payloads() {}

    static String orderJson(int i) {
        StringBuilder json = new StringBuilder(1100);
        json.append("{\"orderId\":")
                .append(100_000 + i)
                .append(",\"status\":\"CREATED\",\"createdAt\":\"2026-11-22T10:15:")
                .append(10 + i % 50)
                .append(".123Z\"")
                .append(",\"customer\":{\"id\":")
                .append(5000 + i % 300)
                .append(",\"name\":\"Customer ")
                .append(i % 300)
                .append("\",\"email\":\"customer")
                .append(i % 300)
                .append("@example.com\",\"vip\":")
                .append(i % 7 == 0)
                .append(",\"address\":{\"street\":\"")
                .append(i % 90)
                .append(" Market Street\",\"city\":\"Springfield\"")
                .append(",\"zip\":\"")
                .append(10_000 + i % 900)
                .append("\",\"country\":\"US\"}}")
                .append(",\"lines\":[");
        for (int line = 0; line < 5; line++) {
            if (line > 0) {
                json.append(',');
            }
            json.append("{\"sku\":\"SKU-")
                    .append(1000 + (i + line) % 500)
                    .append("\",\"name\":\"Product ")
                    .append((i + line) % 500)
                    .append("\",\"quantity\":")
                    .append(1 + (i + line) % 4)
                    .append(",\"unitPrice\":")
                    .append(9 + (i + line) % 40)
                    .append(".99}");
        }
        json.append("],\"totals\":{\"net\":")
                .append(120 + i % 300)
                .append(".50,\"tax\":")
                .append(10 + i % 30)
                .append(".25,\"gross\":")
                .append(131 + i % 330)
                .append(".75,\"currency\":\"USD\"}")
                .append(",\"tags\":[\"web\",\"promo-")
                .append(i % 12)
                .append("\",\"first-order\"]")
                .append(",\"channel\":\"web\",\"notes\":\"Leave the parcel at the side door, please. Ring twice.\"}");
        return json.toString();
    }
}
