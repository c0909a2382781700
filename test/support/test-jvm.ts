/**
 * JVM options for the Alluxio JVMs the tests start: the clusters' servers and clients, the master
 * quorums and the Java harness; not the npm-start suite's cluster, which runs `npm start` as a user
 * does. C1 only: the tests' JVMs are short-lived (a server lives minutes, a client a second),
 * and without C2 a cluster suite used less CPU in the two measured alone (metrics: 70 -> 45
 * CPU-seconds; jvm-memory: 260 -> 226, its 250 k-file load included). Which part of the saving is
 * compiler threads and which is code was not measured. On two cores that CPU is what several
 * clusters side by side wait for. It changes no behaviour a test
 * asserts: only how fast hot code runs, which `npm run bench` measures with the default compilers.
 * Written down with the other stand-in differences in docs/local-ecs.md.
 */
export const TEST_JVM_OPTIONS: readonly string[] = ['-XX:TieredStopAtLevel=1'];
