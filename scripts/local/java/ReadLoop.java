import alluxio.AlluxioURI;
import alluxio.client.file.FileInStream;
import alluxio.client.file.FileSystem;
import java.io.File;

/**
 * Reads an Alluxio file again and again through Alluxio's client until a stop file appears (or a time
 * bound passes), printing "ok <bytes>" or "fail <exception>" per read and "done <ok> <fail>" at the end:
 * what an application reading throughout a rotation would have seen.
 */
public class ReadLoop {
  public static void main(String[] args) throws Exception {
    AlluxioURI path = new AlluxioURI(args[0]);
    File stopFile = new File(args[1]);
    long deadline = System.currentTimeMillis() + Long.parseLong(args[2]);
    long pauseMs = Long.parseLong(args[3]);
    byte[] buffer = new byte[1 << 20];
    int ok = 0;
    int failed = 0;
    try (FileSystem fs = FileSystem.Factory.create()) {
      while (!stopFile.exists() && System.currentTimeMillis() < deadline) {
        try (FileInStream in = fs.openFile(path)) {
          long bytes = 0;
          for (int read; (read = in.read(buffer)) > 0; ) bytes += read;
          System.out.println("ok " + bytes);
          ok++;
        } catch (Exception e) {
          System.out.println("fail " + e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).replace('\n', ' '));
          failed++;
        }
        System.out.flush();
        Thread.sleep(pauseMs);
      }
    }
    System.out.println("done " + ok + " " + failed);
  }
}
