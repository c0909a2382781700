import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.TreeSet;

/**
 * Reads each .properties file named in args the way Alluxio does (Properties.load on a byte stream,
 * i.e. ISO-8859-1) and prints "file <n>" and then each entry as "hex(key) hex(value)" in UTF-8, so any
 * character survives the trip to the test. Many files per run: one JVM start for a whole suite.
 */
public class PropertiesDump {
  public static void main(String[] args) throws Exception {
    for (int n = 0; n < args.length; n++) {
      Properties properties = new Properties();
      try (InputStream in = new FileInputStream(args[n])) {
        properties.load(in);
      }
      System.out.println("file " + n);
      for (String key : new TreeSet<>(properties.stringPropertyNames())) {
        System.out.println(hex(key) + " " + hex(properties.getProperty(key)));
      }
    }
  }

  static String hex(String text) {
    StringBuilder out = new StringBuilder();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      out.append(String.format("%02x", b));
    }
    // An empty string still needs a token so the line splits into two fields.
    return out.length() == 0 ? "-" : out.toString();
  }
}
