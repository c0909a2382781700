/**
 * JVM options for every Alluxio JVM a test starts: the cluster's servers, its clients, a master quorum
 * and the Java harness. C1 only: the tests' JVMs are short-lived (a server lives minutes, a client a
 * second) and C2's compiler threads spent about a third of a cluster suite's CPU on code they never
 * ran long enough to repay (test/local/metrics alone: 70 CPU-seconds by default, 45 with C1 only).
 * On two cores that CPU is what several clusters side by side wait for. It changes no behaviour a test
 * asserts: only how fast hot code runs, which `npm run bench` measures with the default compilers.
 * Written down with the other stand-in differences in docs/local-ecs.md.
 */
export const TEST_JVM_OPTIONS: readonly string[] = ['-XX:TieredStopAtLevel=1'];
