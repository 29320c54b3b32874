// Writes real Cassandra SSTables offline with Cassandra's own CQLSSTableWriter, for bench/gen-data.
//
// Usage: java -cp <classes>:<cassandra lib>/* GenSSTables PLAN_FILE
// PLAN_FILE has one table per line, tab-separated (lines starting with # are ignored):
//   keyspace  table  out_dir  raw_bytes  compression(lz4|none)  format(big|bti)  max_sstable_mib  seed
// raw_bytes is how many bytes of column values to write (on disk it is smaller with LZ4, larger without).
//
// Everything that lands in the files is derived from the seed: keys, values and write timestamps
// (USING TIMESTAMP), so the same plan gives the same rows every time. bench/gen-data writes TOC.txt
// afterwards (CQLSSTableWriter does not) and places out_dir at <data>/<ks>/<table>-<id>/.
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.apache.cassandra.config.DatabaseDescriptor;
import org.apache.cassandra.io.sstable.CQLSSTableWriter;
import org.apache.cassandra.io.sstable.format.SSTableFormat;

public final class GenSSTables {
    // Fixed base for write timestamps (microseconds, 2026-01-01T00:00:00Z): a deterministic stand-in for "now".
    private static final long BASE_TIMESTAMP_MICROS = 1767225600L * 1_000_000L;

    // A vocabulary gives text columns the repetitiveness of real names and labels, so LZ4 has something
    // to find, while the random parts (doubles, half of each blob) keep the data from compressing absurdly.
    private static final String[] WORDS = buildWords();
    private static final String[] TAGS = {"prod", "staging", "eu-west", "us-east", "ap-south", "gold", "silver",
                                          "bronze", "mobile", "web", "batch", "stream"};

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: GenSSTables PLAN_FILE");
            System.exit(2);
        }
        List<String[]> plan = new ArrayList<>();
        for (String line : Files.readAllLines(new File(args[0]).toPath(), StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.split("\t");
            if (f.length != 8) throw new IllegalArgumentException("plan line needs 8 tab-separated fields: " + line);
            plan.add(f);
        }
        for (String[] f : plan) {
            long t0 = System.nanoTime();
            long rows = writeTable(f[0], f[1], f[2], Long.parseLong(f[3]), f[4], f[5], Integer.parseInt(f[6]),
                                   Long.parseLong(f[7]));
            System.err.printf("[GenSSTables] %s.%s: %d rows, %.1f MB raw in %.1f s%n", f[0], f[1], rows,
                              Long.parseLong(f[3]) / 1e6, (System.nanoTime() - t0) / 1e9);
        }
        // CQLSSTableWriter leaves non-daemon threads behind (e.g. the non-periodic tasks executor).
        System.exit(0);
    }

    static long writeTable(String ks, String table, String outDir, long rawBytes, String compression, String format,
                           int maxSSTableMiB, long seed) throws Exception {
        File dir = new File(outDir);
        if (!dir.isDirectory() && !dir.mkdirs()) throw new IllegalStateException("cannot create " + outDir);
        String[] existing = dir.list();
        if (existing != null && existing.length > 0) throw new IllegalStateException(outDir + " is not empty");

        String compressionOption;
        switch (compression) {
            case "lz4": compressionOption = ""; break;  // Cassandra's default: LZ4, 16 KiB chunks
            case "none": compressionOption = " WITH compression = {'enabled': 'false'}"; break;
            default: throw new IllegalArgumentException("compression must be lz4 or none: " + compression);
        }
        String schema = "CREATE TABLE " + ks + "." + table + " (pk bigint, ck int, name text, value double, "
                        + "payload blob, tags text, PRIMARY KEY (pk, ck))" + compressionOption;
        String insert = "INSERT INTO " + ks + "." + table + " (pk, ck, name, value, payload, tags) "
                        + "VALUES (?, ?, ?, ?, ?, ?) USING TIMESTAMP ?";
        CQLSSTableWriter.Builder builder = CQLSSTableWriter.builder().inDirectory(outDir).forTable(schema)
                .using(insert).withMaxSSTableSizeInMiB(maxSSTableMiB);
        if (!format.equals("big")) {
            // The writer is initialised by now (the static block of CQLSSTableWriter ran clientInitialization),
            // so the configured formats are known; "bti" gives da-... files, the trie-indexed format of 5.0.
            SSTableFormat<?, ?> f = DatabaseDescriptor.getSSTableFormats().get(format);
            if (f == null) throw new IllegalArgumentException("unknown SSTable format " + format + "; known: "
                                                              + DatabaseDescriptor.getSSTableFormats().keySet());
            builder.withFormat(f);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        long written = 0, rows = 0;
        try (CQLSSTableWriter writer = builder.build()) {
            while (written < rawBytes) {
                long pk = rnd.nextLong();
                int rowsInPartition = 1 + rnd.nextInt(12);
                for (int ck = 0; ck < rowsInPartition && written < rawBytes; ck++) {
                    String name = sentence(rnd, 2 + rnd.nextInt(6));
                    double value = rnd.nextDouble() * 1e6;
                    ByteBuffer payload = payload(rnd, 64 + rnd.nextInt(448));
                    String tags = TAGS[rnd.nextInt(TAGS.length)] + "," + TAGS[rnd.nextInt(TAGS.length)];
                    writer.addRow(pk, ck, name, value, payload, tags, BASE_TIMESTAMP_MICROS + rows);
                    written += 8 + 4 + name.length() + 8 + payload.remaining() + tags.length();
                    rows++;
                }
            }
        }
        return rows;
    }

    static String sentence(SplittableRandom rnd, int words) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) {
            if (i > 0) sb.append(' ');
            sb.append(WORDS[rnd.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }

    // Half random bytes (like hashes, ids, encrypted fields), half a structured record (like JSON):
    // LZ4 gets roughly the ~1.5-2x it gets on real rows, not the 100x of a constant fill.
    static ByteBuffer payload(SplittableRandom rnd, int size) {
        byte[] b = new byte[size];
        int half = size / 2;
        for (int i = 0; i < half; i += 8) {
            long v = rnd.nextLong();
            for (int j = 0; j < 8 && i + j < half; j++) b[i + j] = (byte) (v >>> (8 * j));
        }
        StringBuilder sb = new StringBuilder();
        while (sb.length() < size - half) {
            sb.append("{\"k\":\"").append(WORDS[rnd.nextInt(WORDS.length)]).append("\",\"n\":")
              .append(rnd.nextInt(100000)).append('}');
        }
        byte[] s = sb.toString().getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(s, 0, b, half, size - half);
        return ByteBuffer.wrap(b);
    }

    static String[] buildWords() {
        // 1,000 pronounceable pseudo-words from a fixed seed: the same on every machine.
        String[] syll = {"ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "xi", "za", "bra", "cle", "dri", "fro",
                         "gla", "pli", "sto", "tru", "an", "el", "in", "or", "us"};
        SplittableRandom rnd = new SplittableRandom(42);
        String[] words = new String[1000];
        for (int i = 0; i < words.length; i++) {
            StringBuilder sb = new StringBuilder();
            int n = 2 + rnd.nextInt(3);
            for (int j = 0; j < n; j++) sb.append(syll[rnd.nextInt(syll.length)]);
            words[i] = sb.toString();
        }
        return words;
    }
}
