#!/usr/bin/env bash
# `npm run package`: the jsii build (the .jsii assembly beside the JavaScript, the handler and CLI bundles),
# then jsii-pacmak's npm tarball, Python wheel and Java jar into dist/ (ignored):
#   dist/js/cdk-alluxio-minio@<v>.jsii.tgz   dist/python/cdk_alluxio_minio-<v>-py3-none-any.whl
#   dist/java/io/github/cdk-alluxio-minio/cdk-alluxio-minio/<v>/   (a Maven repository layout)
# pacmak runs only when the npm tarball (which every package embeds) differs from the last run's;
# PACKAGE_FORCE=1 runs it anyway. Its Python build needs PyPI, its Java build Maven Central.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DIST="$ROOT/dist"
STAMP="$DIST/.packaged-from"
# Maven's local repository for pacmak's Java build: project-local, so a fresh clone resolves everything
# from Maven Central and nothing depends on what another build left in ~/.m2.
MAVEN_BUILD_REPO="$ROOT/.tools/maven-build"
# A -Dmaven.repo.local in MAVEN_OPTS outranks the settings file pacmak hands Maven, so pacmak's build
# would use that repository whatever we name: then it is the one to prepare (below) and name.
if [[ "${MAVEN_OPTS:-}" =~ -Dmaven\.repo\.local=([^[:space:]]+) ]]; then
  MAVEN_BUILD_REPO="${BASH_REMATCH[1]}"
fi
# The jsii tools print a banner on every start on Node.js 20 (end of life); it would bury pacmak's
# own output. Only 20 is silenced: any other unsupported release still warns.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

log() { printf '[package] %s\n' "$*"; }
now_ms() { date +%s%3N; }
elapsed() { local ms=$(( $(now_ms) - $1 )); printf '%d.%01ds' $((ms / 1000)) $(((ms % 1000) / 100)); }
t_all=$(now_ms)

source scripts/ensure-node-modules.sh

t0=$(now_ms)
npm run --silent build:jsii >/dev/null
log "jsii build (assembly, JavaScript, bundles) took $(elapsed "$t0")"

# The generated pom asks for aws-cdk-lib as the range [floor,3.0.0). Maven resolves a range from
# maven-metadata.xml, and Maven Central's for aws-cdk-lib lists nothing past 2.263.0 although jars up
# to 2.272.0 are there (not all: 2.269.0 and 2.270.0 have a pom only), so the range finds no version.
# A version installed into the local repository is listed in its maven-metadata-local.xml, which
# range resolution also reads.
cdk_floor=$(node -p 'require("./package.json").peerDependencies["aws-cdk-lib"].replace(/^\^/, "")')
install_cdk_floor_locally() {
  local dir="$MAVEN_BUILD_REPO/software/amazon/awscdk/aws-cdk-lib"
  if grep -qs "<version>$cdk_floor</version>" "$dir/maven-metadata-local.xml"; then return 0; fi
  log "aws-cdk-lib $cdk_floor: fetching from Maven Central and installing into $MAVEN_BUILD_REPO"
  local artifact="software.amazon.awscdk:aws-cdk-lib:$cdk_floor" copies="$scratch/aws-cdk-lib"
  # Resolved from Maven Central into the repository, copied out, and installed back from the copy
  # (install-file refuses a file already at its place in the repository).
  mvn -q -B -Dstyle.color=never -Dmaven.repo.local="$MAVEN_BUILD_REPO" dependency:copy -Dartifact="$artifact:jar" -DoutputDirectory="$copies"
  mvn -q -B -Dstyle.color=never -Dmaven.repo.local="$MAVEN_BUILD_REPO" dependency:copy -Dartifact="$artifact:pom" -DoutputDirectory="$copies"
  mvn -q -B -Dstyle.color=never -Dmaven.repo.local="$MAVEN_BUILD_REPO" install:install-file \
    -Dfile="$copies/aws-cdk-lib-$cdk_floor.jar" -DpomFile="$copies/aws-cdk-lib-$cdk_floor.pom"
}

mkdir -p "$DIST"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# npm pack writes fixed timestamps, so the same files give the same bytes: the tarball's hash says
# whether anything a package embeds (assembly, JavaScript, bundles, README) changed.
tarball=$(npm pack --ignore-scripts --silent --pack-destination "$scratch")
fingerprint=$(sha256sum "$scratch/$tarball" | cut -d' ' -f1)
have_outputs() { [[ -n "$(find "$DIST/python" -name '*.whl' 2>/dev/null | head -n 1)" && -n "$(find "$DIST/java" -name '*.jar' 2>/dev/null | head -n 1)" ]]; }
if [[ "${PACKAGE_FORCE:-}" != 1 && -f "$STAMP" && "$(cat "$STAMP")" == "$fingerprint" ]] && have_outputs; then
  log "dist/ is up to date with the npm tarball ($tarball); PACKAGE_FORCE=1 rebuilds it"
  exit 0
fi

install_cdk_floor_locally
t0=$(now_ms)
rm -f "$STAMP"
# --force: pacmak's own fingerprint covers the assembly only, so a changed handler or CLI bundle with
# the same API would keep a stale wheel. --no-npmignore: "files" in package.json decides what ships.
npx --no-install jsii-pacmak --targets js --targets python --targets java --force --no-npmignore \
  --maven-local-repository "$MAVEN_BUILD_REPO"
echo "$fingerprint" >"$STAMP"
log "jsii-pacmak took $(elapsed "$t0")"

for file in "$DIST"/js/*.tgz "$DIST"/python/*.whl $(find "$DIST/java" -name '*.jar' ! -name '*-sources.jar' ! -name '*-javadoc.jar'); do
  log "$(du -k "$file" | cut -f1) KiB  ${file#"$ROOT/"}"
done
log "done in $(elapsed "$t_all")"
