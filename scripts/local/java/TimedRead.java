import alluxio.AlluxioURI;
import alluxio.client.file.FileInStream;
import alluxio.client.file.FileSystem;

/**
 * Reads an Alluxio file to its end through Alluxio's own client, as many times as asked, and prints
 * one line per read: "<bytes> <nanoseconds>". One JVM for every read, so the times are the reads'
 * alone, not a JVM's start.
 */
public class TimedRead {
  public static void main(String[] args) throws Exception {
    AlluxioURI path = new AlluxioURI(args[0]);
    int times = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    byte[] buffer = new byte[4 << 20];
    try (FileSystem fs = FileSystem.Factory.create()) {
      for (int i = 0; i < times; i++) {
        long bytes = 0;
        long started = System.nanoTime();
        try (FileInStream in = fs.openFile(path)) {
          for (int read; (read = in.read(buffer)) > 0; ) bytes += read;
        }
        System.out.println(bytes + " " + (System.nanoTime() - started));
      }
    }
  }
}
