import alluxio.AlluxioURI;
import alluxio.client.file.FileInStream;
import alluxio.client.file.FileSystem;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Reads Alluxio files to their end through Alluxio's own client, as many rounds as asked, and prints
 * one line per file and round: "<bytes> <nanoseconds> <sha256>"; with several paths (comma-separated)
 * they are read at once, one thread each (clients of one JVM), and each round ends with a line
 * "round <nanoseconds>" from the first open to the last byte, then "ended <epoch milliseconds>" of that
 * byte. One JVM for every read, so the times are the reads' alone, not a JVM's start. Each file is read
 * into memory and hashed after its timed read, so the digest's CPU time is not counted as reading.
 */
public class TimedRead {
  public static void main(String[] args) throws Exception {
    String[] paths = args[0].split(",");
    int times = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    ExecutorService threads = Executors.newFixedThreadPool(paths.length);
    try (FileSystem fs = FileSystem.Factory.create()) {
      for (int i = 0; i < times; i++) {
        List<Future<Read>> reads = new ArrayList<>();
        long started = System.nanoTime();
        for (String path : paths) reads.add(threads.submit(() -> read(fs, new AlluxioURI(path))));
        long lastByte = started;
        for (Future<Read> future : reads) {
          Read read = future.get();
          lastByte = Math.max(lastByte, read.endedAt);
          System.out.println(read.bytes + " " + read.nanos + " " + read.sha256);
        }
        System.out.println("round " + (lastByte - started));
        // The round's last byte on the wall clock, so a caller can place it among samples taken outside this JVM.
        System.out.println("ended " + (System.currentTimeMillis() - (System.nanoTime() - lastByte) / 1_000_000));
      }
    } finally {
      threads.shutdown();
    }
  }

  private record Read(int bytes, long nanos, long endedAt, String sha256) {}

  private static Read read(FileSystem fs, AlluxioURI path) throws Exception {
    long length = fs.getStatus(path).getLength();
    byte[] content = new byte[Math.toIntExact(length)];
    int bytes = 0;
    long started = System.nanoTime();
    try (FileInStream in = fs.openFile(path)) {
      for (int read; bytes < content.length && (read = in.read(content, bytes, Math.min(4 << 20, content.length - bytes))) > 0; ) bytes += read;
      if (in.read() != -1) throw new IllegalStateException(path + " holds more than its status length " + length);
    }
    long endedAt = System.nanoTime();
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    digest.update(content, 0, bytes);
    return new Read(bytes, endedAt - started, endedAt, HexFormat.of().formatHex(digest.digest()));
  }
}
