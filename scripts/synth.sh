#!/usr/bin/env bash
# The README's first command (`npm run synth`): on a fresh clone, install, build, and synthesize the
# example app (a provisioned MinIO and an existing one) into cdk.out with no AWS account or Docker.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

source scripts/ensure-node-modules.sh
# cdk.json's app builds the library (tsc, then the handler bundles) before it runs the example app.
npx cdk synth --quiet >/dev/null

node -e '
const { readdirSync, readFileSync, statSync } = require("node:fs");
for (const file of readdirSync("cdk.out").filter((f) => f.endsWith(".template.json")).sort()) {
  const template = JSON.parse(readFileSync(`cdk.out/${file}`, "utf8"));
  const types = Object.values(template.Resources || {}).map((r) => r.Type);
  const count = (t) => types.filter((x) => x === t).length;
  console.log(`${file}: ${types.length} resources (${count("AWS::ECS::Service")} ECS services, ${count("AWS::Lambda::Function")} Lambda functions), ${statSync(`cdk.out/${file}`).size} bytes`);
  for (const [name, output] of Object.entries(template.Outputs || {})) {
    if (typeof output.Value === "string") console.log(`  ${name} = ${output.Value}`);
  }
}'
echo "Synthesized into cdk.out/. Deploy with: npx cdk deploy <stack> (needs an AWS account)."
