package dev.outboxkit.mongo.convert;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Text as BSON can hold it, never repaired: bytes are decoded only when they are valid UTF-8 (no U+FFFD
 * replacement), and a Java string with an unpaired surrogate, which has no UTF-8 form, is refused.
 */
final class Text {

    /** The byte-order mark, skipped before deciding whether a payload is JSON. */
    static final char BOM = '\uFEFF';

    private Text() {}

    /** The string itself, when every surrogate in it is half of a pair. */
    static String checked(String text, String what) throws ConversionException {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c)
                        && i + 1 < text.length()
                        && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else {
                    throw new ConversionException(
                            what + " holds an unpaired UTF-16 surrogate at index " + i + ", which has no UTF-8 form");
                }
            }
        }
        return text;
    }

    /** The bytes from {@code offset} decoded as UTF-8, or null when they are not valid UTF-8. */
    static String strictUtf8(byte[] bytes, int offset) {
        try {
            CharBuffer chars = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, offset, bytes.length - offset));
            return chars.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
