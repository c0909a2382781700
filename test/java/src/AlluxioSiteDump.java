import alluxio.conf.Configuration;
import alluxio.conf.PropertyKey;

/**
 * Loads alluxio-site.properties from the directory given as -Dalluxio.conf.dir through Alluxio's own
 * configuration code and prints, for each key named in args, "hex(key) hex(value)" as Alluxio resolved it.
 */
public class AlluxioSiteDump {
  public static void main(String[] args) {
    for (String name : args) {
      PropertyKey key = PropertyKey.fromString(name);
      String value = Configuration.isSet(key) ? Configuration.getString(key) : null;
      System.out.println(PropertiesDump.hex(name) + " " + (value == null ? "unset" : PropertiesDump.hex(value)));
    }
  }
}
