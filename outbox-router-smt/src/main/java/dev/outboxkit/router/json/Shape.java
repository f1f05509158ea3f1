package dev.outboxkit.router.json;

import java.util.Arrays;
import java.util.Objects;

/**
 * The structure of a JSON value with the values left out: what its Connect schema depends on. Two documents
 * with equal shapes get the same schema, so the shape is the key of the schema cache. Array elements are
 * merged into one shape with numeric widening (int32 &lt; int64 &lt; big integer, any integer with a decimal
 * number is float64) and struct fields united in first-seen order.
 */
abstract class Shape {

    enum Kind {
        NULL,
        BOOLEAN,
        INT32,
        INT64,
        BIG_INTEGER,
        FLOAT64,
        STRING,
        STRUCT,
        ARRAY
    }

    static final Shape NULL = new Scalar(Kind.NULL);
    static final Shape BOOLEAN = new Scalar(Kind.BOOLEAN);
    static final Shape INT32 = new Scalar(Kind.INT32);
    static final Shape INT64 = new Scalar(Kind.INT64);
    static final Shape BIG_INTEGER = new Scalar(Kind.BIG_INTEGER);
    static final Shape FLOAT64 = new Scalar(Kind.FLOAT64);
    static final Shape STRING = new Scalar(Kind.STRING);

    /** Two values with no common Connect type in one array. */
    static final class ConflictException extends Exception {
        private static final long serialVersionUID = 1L;

        ConflictException(String message) {
            super(message, null, false, false);
        }
    }

    abstract Kind kind();

    static Shape of(Object value) throws ConflictException {
        if (value == null) {
            return NULL;
        }
        if (value instanceof String) {
            return STRING;
        }
        if (value instanceof Integer) {
            return INT32;
        }
        if (value instanceof Long) {
            return INT64;
        }
        if (value instanceof Double) {
            return FLOAT64;
        }
        if (value instanceof Boolean) {
            return BOOLEAN;
        }
        if (value instanceof JsonTree.JsonObject object) {
            String[] names = Arrays.copyOf(object.names, object.size);
            Shape[] fields = new Shape[object.size];
            for (int i = 0; i < object.size; i++) {
                fields[i] = of(object.values[i]);
            }
            return new Struct(names, fields);
        }
        if (value instanceof JsonTree.JsonArray array) {
            Shape element = null;
            for (int i = 0; i < array.size; i++) {
                Shape item = of(array.items[i]);
                element = element == null ? item : merge(element, item);
            }
            return new Array(element);
        }
        return BIG_INTEGER;
    }

    static Shape merge(Shape a, Shape b) throws ConflictException {
        if (a.equals(b) || b == NULL) {
            return a;
        }
        if (a == NULL) {
            return b;
        }
        if (isNumber(a) && isNumber(b)) {
            if (a == FLOAT64 || b == FLOAT64) {
                return FLOAT64;
            }
            return a.kind().ordinal() > b.kind().ordinal() ? a : b;
        }
        if (a instanceof Struct left && b instanceof Struct right) {
            return left.union(right);
        }
        if (a instanceof Array left && b instanceof Array right) {
            if (left.element == null) {
                return right;
            }
            if (right.element == null) {
                return left;
            }
            return new Array(merge(left.element, right.element));
        }
        throw new ConflictException("an array mixes " + a.kind().name().toLowerCase() + " and "
                + b.kind().name().toLowerCase() + " values");
    }

    private static boolean isNumber(Shape shape) {
        Kind kind = shape.kind();
        return kind == Kind.INT32 || kind == Kind.INT64 || kind == Kind.BIG_INTEGER || kind == Kind.FLOAT64;
    }

    private static final class Scalar extends Shape {
        private final Kind kind;

        Scalar(Kind kind) {
            this.kind = kind;
        }

        @Override
        Kind kind() {
            return kind;
        }
    }

    static final class Struct extends Shape {
        final String[] names;
        final Shape[] fields;
        private final int hash;

        Struct(String[] names, Shape[] fields) {
            this.names = names;
            this.fields = fields;
            this.hash = 31 * Arrays.hashCode(names) + Arrays.hashCode(fields);
        }

        @Override
        Kind kind() {
            return Kind.STRUCT;
        }

        Struct union(Struct other) throws ConflictException {
            // Keyed by name, in first-seen order: linear in the number of fields, however many there are.
            java.util.LinkedHashMap<String, Shape> united =
                    new java.util.LinkedHashMap<>(names.length + other.names.length);
            for (int i = 0; i < names.length; i++) {
                united.put(names[i], fields[i]);
            }
            for (int i = 0; i < other.names.length; i++) {
                Shape mine = united.get(other.names[i]);
                united.put(other.names[i], mine == null ? other.fields[i] : merge(mine, other.fields[i]));
            }
            return new Struct(
                    united.keySet().toArray(new String[0]), united.values().toArray(new Shape[0]));
        }

        @Override
        public boolean equals(Object o) {
            return this == o
                    || (o instanceof Struct other
                            && hash == other.hash
                            && Arrays.equals(names, other.names)
                            && Arrays.equals(fields, other.fields));
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** An array; a null element means the array had no non-null items. */
    static final class Array extends Shape {
        final Shape element;

        Array(Shape element) {
            this.element = element;
        }

        @Override
        Kind kind() {
            return Kind.ARRAY;
        }

        @Override
        public boolean equals(Object o) {
            return this == o || (o instanceof Array other && Objects.equals(element, other.element));
        }

        @Override
        public int hashCode() {
            return 7 + Objects.hashCode(element);
        }
    }
}
