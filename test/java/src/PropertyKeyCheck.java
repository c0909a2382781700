import alluxio.conf.PropertyKey;

/** For each name in args prints "name canonical-name", or "name -" when Alluxio does not know the key. */
public class PropertyKeyCheck {
  public static void main(String[] args) {
    for (String name : args) {
      System.out.println(name + " " + (PropertyKey.isValid(name) ? PropertyKey.fromString(name).getName() : "-"));
    }
  }
}
