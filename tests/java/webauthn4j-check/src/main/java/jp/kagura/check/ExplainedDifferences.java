package jp.kagura.check;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * explained-differences.txt: one line per negative case where webauthn4j and our core differ,
 * {@code CASE  WEBAUTHN4J-OUTCOME  why}; '#' starts a comment. The outcome is "valid" or the
 * refusal's exception class, so a difference that changes shape is no longer explained.
 */
final class ExplainedDifferences {

    record Entry(String caseName, String outcome, String why, int line) {}

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Path file;

    private ExplainedDifferences(Path file) {
        this.file = file;
    }

    static ExplainedDifferences none() {
        return new ExplainedDifferences(null);
    }

    static ExplainedDifferences read(Path file) throws IOException, SetupException {
        ExplainedDifferences out = new ExplainedDifferences(file);
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i).strip();
            if (text.isEmpty() || text.startsWith("#"))
                continue;
            String[] parts = text.split("\\s+", 3);
            if (parts.length < 3)
                throw new SetupException(file + ":" + (i + 1) + ": want CASE OUTCOME WHY, got: " + text);
            if (out.entries.put(parts[0], new Entry(parts[0], parts[1], parts[2], i + 1)) != null)
                throw new SetupException(file + ":" + (i + 1) + ": case " + parts[0] + " is explained twice");
        }
        return out;
    }

    Entry find(String caseName) {
        return entries.get(caseName);
    }

    Iterable<Entry> all() {
        return entries.values();
    }

    String where(Entry e) {
        return file + ":" + e.line();
    }
}
