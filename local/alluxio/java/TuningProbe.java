import alluxio.AlluxioURI;
import alluxio.client.file.FileInStream;
import alluxio.client.file.FileOutStream;
import alluxio.client.file.FileSystem;
import alluxio.conf.AlluxioConfiguration;
import alluxio.conf.PropertyKey;
import alluxio.metrics.MetricKey;
import alluxio.metrics.MetricsSystem;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.MessageDigest;

/**
 * What scripts/bench/bench-tuning.mjs measures through Alluxio's own client, one JVM per call so a JVM's
 * start is never inside a figure:
 *   write <alluxio path> <local file>  the local file (read into memory first) written with the
 *                                      client's default write type: "<bytes> <nanoseconds>"
 *   read <alluxio path> <times>        the file read to its end, times over: one "<bytes> <nanoseconds>" a read,
 *                                      then "local <bytes>": how many of them the client read from a
 *                                      worker's block files itself (short-circuit, Client.BytesReadLocal)
 *   digest <alluxio path>              the file read once, untimed: "<bytes> <sha-256 hex>"
 *   conf <key>...                      the value and source of each key as this client sees it after
 *                                      connecting (cluster defaults merged): "<key> <value> <source>"
 *   jvm                                what a JVM option A/B changed: "arg <option>" for each of this JVM's
 *                                      options, "gc <collector name, spaces as _>" for each collector
 */
public class TuningProbe {
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    try (FileSystem fs = FileSystem.Factory.create()) {
      switch (mode) {
        case "write": {
          byte[] data = Files.readAllBytes(Paths.get(args[2]));
          long started = System.nanoTime();
          try (FileOutStream out = fs.createFile(new AlluxioURI(args[1]))) {
            // The 4 MiB writes of a typical copy loop, not one call the client could special-case.
            for (int offset = 0; offset < data.length; offset += 4 << 20) {
              out.write(data, offset, Math.min(4 << 20, data.length - offset));
            }
          }
          System.out.println(data.length + " " + (System.nanoTime() - started));
          break;
        }
        case "read": {
          byte[] buffer = new byte[4 << 20];
          for (int i = 0; i < Integer.parseInt(args[2]); i++) {
            long bytes = 0;
            long started = System.nanoTime();
            try (FileInStream in = fs.openFile(new AlluxioURI(args[1]))) {
              for (int read; (read = in.read(buffer)) > 0; ) bytes += read;
            }
            System.out.println(bytes + " " + (System.nanoTime() - started));
          }
          System.out.println("local " + MetricsSystem.counter(MetricKey.CLIENT_BYTES_READ_LOCAL.getName()).getCount());
          break;
        }
        case "digest": {
          MessageDigest sha = MessageDigest.getInstance("SHA-256");
          byte[] buffer = new byte[4 << 20];
          long bytes = 0;
          try (FileInStream in = fs.openFile(new AlluxioURI(args[1]))) {
            for (int read; (read = in.read(buffer)) > 0; ) {
              sha.update(buffer, 0, read);
              bytes += read;
            }
          }
          StringBuilder hex = new StringBuilder();
          for (byte b : sha.digest()) hex.append(String.format("%02x", b));
          System.out.println(bytes + " " + hex);
          break;
        }
        case "conf": {
          // Any call makes the client load the cluster's defaults from the master.
          fs.exists(new AlluxioURI("/"));
          AlluxioConfiguration conf = fs.getConf();
          for (int i = 1; i < args.length; i++) {
            PropertyKey key = PropertyKey.fromString(args[i]);
            System.out.println(args[i] + " " + (conf.isSet(key) ? conf.get(key) : "(unset)") + " " + conf.getSource(key));
          }
          break;
        }
        case "jvm": {
          for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            System.out.println("arg " + option.replace(' ', '_'));
          }
          for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            System.out.println("gc " + collector.getName().replace(' ', '_'));
          }
          break;
        }
        default:
          throw new IllegalArgumentException("unknown mode " + mode);
      }
    }
  }
}
