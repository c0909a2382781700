/**
 * JVM options for the Alluxio JVMs the tests start: the clusters' servers and clients, the master
 * quorums and the Java harness; not the npm-start suite's cluster, which runs `npm start` as a user
 * does. C1 only: the tests' JVMs are short-lived (a server lives minutes, a client a
 * second) and C2's compiler threads spent about a third of a cluster suite's CPU on code they never
 * ran long enough to repay (test/local/metrics alone: 70 CPU-seconds by default, 45 with C1 only).
 * On two cores that CPU is what several clusters side by side wait for. It changes no behaviour a test
 * asserts: only how fast hot code runs, which `npm run bench` measures with the default compilers.
 * Written down with the other stand-in differences in docs/local-ecs.md.
 */
export const TEST_JVM_OPTIONS: readonly string[] = ['-XX:TieredStopAtLevel=1'];
