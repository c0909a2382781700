import alluxio.AlluxioURI;
import alluxio.client.file.FileOutStream;
import alluxio.client.file.FileSystem;
import alluxio.grpc.CreateFilePOptions;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * Writes a local file to a new Alluxio file through Alluxio's own client with the cluster's default
 * write type (its parent directories created as needed), and prints "<bytes> <nanoseconds>" from create
 * to a closed stream (for a write type that goes through to the UFS, close returns once the UFS has the
 * file), then "ended <epoch milliseconds>" of the close. The local file is read into memory first, so its
 * read is not counted.
 */
public class TimedWrite {
  public static void main(String[] args) throws Exception {
    byte[] content = Files.readAllBytes(Paths.get(args[0]));
    try (FileSystem fs = FileSystem.Factory.create()) {
      long started = System.nanoTime();
      try (FileOutStream out = fs.createFile(new AlluxioURI(args[1]), CreateFilePOptions.newBuilder().setRecursive(true).build())) {
        for (int at = 0; at < content.length; at += 4 << 20) out.write(content, at, Math.min(4 << 20, content.length - at));
      }
      System.out.println(content.length + " " + (System.nanoTime() - started));
      System.out.println("ended " + System.currentTimeMillis());
    }
  }
}
