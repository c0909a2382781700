import alluxio.AlluxioURI;
import alluxio.client.file.FileInStream;
import alluxio.client.file.FileOutStream;
import alluxio.client.file.FileSystem;
import alluxio.grpc.CreateDirectoryPOptions;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What an application reading and writing throughout a rotation sees, through Alluxio's own client.
 * Each round writes a new file (random bytes, its SHA-256 kept once the client acknowledged the
 * write) and reads one file it knows the hash of (the given files first, then the ones it wrote, in
 * turn), until a stop file appears or a time bound passes. A read is ok only when every byte is
 * right: its SHA-256 equals the one written; a read that returns other bytes counts as wrong, one
 * that throws as failed; a write that throws as failed (its file is never read).
 *
 * Arguments: files ("path=sha256hex" separated by commas, may be empty), the folder to write into,
 * the stop file, the bound in ms, the pause between rounds in ms, the summary file (JSON), the phase
 * file (its content, when it exists, names the phase each operation is counted in: the test writes
 * it as a rotation goes from one step to the next).
 *
 * Prints "ok|wrong|fail read|write <path> <ms> [error]" per operation; at the end writes the summary:
 * every operation with its time and phase, and the counts per phase.
 */
public class ReadLoop {
  private static final int WRITE_BYTES = 64 * 1024;

  static final class Op {
    final long at;
    final String phase;
    final String kind;
    final String path;
    final String result;
    final long ms;
    final String error;

    Op(long at, String phase, String kind, String path, String result, long ms, String error) {
      this.at = at;
      this.phase = phase;
      this.kind = kind;
      this.path = path;
      this.result = result;
      this.ms = ms;
      this.error = error;
    }
  }

  public static void main(String[] args) throws Exception {
    List<String> paths = new ArrayList<>();
    List<String> hashes = new ArrayList<>();
    for (String entry : args[0].split(",")) {
      if (entry.isEmpty()) continue;
      int eq = entry.lastIndexOf('=');
      paths.add(entry.substring(0, eq));
      hashes.add(entry.substring(eq + 1));
    }
    String writeDir = args[1];
    File stopFile = new File(args[2]);
    long deadline = System.currentTimeMillis() + Long.parseLong(args[3]);
    long pauseMs = Long.parseLong(args[4]);
    File summaryFile = new File(args[5]);
    File phaseFile = new File(args[6]);
    Random random = new Random();
    byte[] buffer = new byte[1 << 20];
    List<Op> ops = new ArrayList<>();
    long started = System.currentTimeMillis();
    try (FileSystem fs = FileSystem.Factory.create()) {
      fs.createDirectory(new AlluxioURI(writeDir), CreateDirectoryPOptions.newBuilder().setRecursive(true).setAllowExists(true).build());
      for (int round = 0; !stopFile.exists() && System.currentTimeMillis() < deadline; round++) {
        String phase = phaseOf(phaseFile);
        // A write: acknowledged (closed without an error) or failed.
        String written = writeDir + "/w-" + started + "-" + round;
        byte[] data = new byte[WRITE_BYTES];
        random.nextBytes(data);
        long t0 = System.currentTimeMillis();
        try {
          // Acknowledged only once close() returns (with CACHE_THROUGH: the bytes are in the UFS).
          try (FileOutStream out = fs.createFile(new AlluxioURI(written))) {
            out.write(data);
          }
          paths.add(written);
          hashes.add(sha256(data, data.length));
          ops.add(record(new Op(t0, phase, "write", written, "ok", System.currentTimeMillis() - t0, null)));
        } catch (Exception e) {
          ops.add(record(new Op(t0, phase, "write", written, "fail", System.currentTimeMillis() - t0, describe(e))));
        }
        // A read of a file whose bytes are known, checked whole.
        if (!paths.isEmpty()) {
          int pick = round % paths.size();
          String path = paths.get(pick);
          long t1 = System.currentTimeMillis();
          try (FileInStream in = fs.openFile(new AlluxioURI(path))) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (int read; (read = in.read(buffer)) > 0; ) digest.update(buffer, 0, read);
            boolean right = hex(digest.digest()).equals(hashes.get(pick));
            ops.add(record(new Op(t1, phase, "read", path, right ? "ok" : "wrong", System.currentTimeMillis() - t1, right ? null : "the bytes differ from those written")));
          } catch (Exception e) {
            ops.add(record(new Op(t1, phase, "read", path, "fail", System.currentTimeMillis() - t1, describe(e))));
          }
        }
        Thread.sleep(pauseMs);
      }
    }
    Files.write(summaryFile.toPath(), summary(started, System.currentTimeMillis(), ops).getBytes(StandardCharsets.UTF_8));
    System.out.println("done");
  }

  private static Op record(Op op) {
    System.out.println(op.result + " " + op.kind + " " + op.path + " " + op.ms + (op.error == null ? "" : " " + op.error));
    System.out.flush();
    return op;
  }

  private static String phaseOf(File phaseFile) {
    try {
      return phaseFile.exists() ? new String(Files.readAllBytes(phaseFile.toPath()), StandardCharsets.UTF_8).trim() : "start";
    } catch (Exception e) {
      return "start";
    }
  }

  private static String describe(Exception e) {
    return e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).replace('\n', ' ');
  }

  private static String sha256(byte[] data, int length) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    digest.update(data, 0, length);
    return hex(digest.digest());
  }

  private static String hex(byte[] bytes) {
    StringBuilder text = new StringBuilder();
    for (byte b : bytes) text.append(String.format("%02x", b));
    return text.toString();
  }

  private static String json(String text) {
    if (text == null) return "null";
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.append('"').toString();
  }

  /** Counts per phase, in the order the phases came. */
  private static String summary(long started, long ended, List<Op> ops) {
    Map<String, long[]> counts = new LinkedHashMap<>();
    Map<String, long[]> spans = new LinkedHashMap<>();
    for (Op op : ops) {
      long[] c = counts.computeIfAbsent(op.phase, k -> new long[6]);
      int base = op.kind.equals("read") ? 0 : 3;
      c[base + (op.result.equals("ok") ? 0 : op.result.equals("wrong") ? 1 : 2)]++;
      long[] span = spans.computeIfAbsent(op.phase, k -> new long[] {op.at, op.at});
      span[1] = op.at;
    }
    StringBuilder out = new StringBuilder("{\"started\":").append(started).append(",\"ended\":").append(ended).append(",\"phases\":[");
    boolean first = true;
    for (Map.Entry<String, long[]> entry : counts.entrySet()) {
      long[] c = entry.getValue();
      long[] span = spans.get(entry.getKey());
      if (!first) out.append(',');
      first = false;
      out.append("{\"phase\":").append(json(entry.getKey()))
          .append(",\"firstAt\":").append(span[0]).append(",\"lastAt\":").append(span[1])
          .append(",\"reads\":").append(c[0] + c[1] + c[2]).append(",\"readsOk\":").append(c[0]).append(",\"wrongBytes\":").append(c[1]).append(",\"readsFailed\":").append(c[2])
          .append(",\"writes\":").append(c[3] + c[5]).append(",\"writesOk\":").append(c[3]).append(",\"writesFailed\":").append(c[5]).append('}');
    }
    out.append("],\"ops\":[");
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      if (i > 0) out.append(',');
      out.append("{\"at\":").append(op.at).append(",\"phase\":").append(json(op.phase)).append(",\"kind\":").append(json(op.kind))
          .append(",\"path\":").append(json(op.path)).append(",\"result\":").append(json(op.result)).append(",\"ms\":").append(op.ms)
          .append(",\"error\":").append(json(op.error)).append('}');
    }
    return out.append("]}").toString();
  }
}
