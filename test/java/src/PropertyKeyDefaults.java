import alluxio.conf.PropertyKey;

/**
 * For each name in args prints "name<TAB>default<TAB>scope" from Alluxio's PropertyKey (the default as
 * PropertyKey declares it, "null" when it has none; the scope in Alluxio's names: CLIENT, WORKER, ...),
 * or "name<TAB>-" when Alluxio does not know the key.
 */
public class PropertyKeyDefaults {
  public static void main(String[] args) {
    for (String name : args) {
      if (!PropertyKey.isValid(name)) {
        System.out.println(name + "\t-");
        continue;
      }
      PropertyKey key = PropertyKey.fromString(name);
      System.out.println(name + "\t" + key.getDefaultValue() + "\t" + key.getScope());
    }
  }
}
