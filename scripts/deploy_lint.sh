#!/usr/bin/env bash
# The CloudFormation template and tengu's task role policy under deploy/aws, checked by the tools teams run on
# them: cfn-lint (the template against CloudFormation's schemas), checkov (security rules; a skipped rule says why
# in the resource's Metadata) and parliament (the policy against IAM's actions, resources and condition keys).
# Any finding fails the step. The policy's actions are compared with the adapters' AWS calls by a cargo test
# (deploy_policy).
set -euo pipefail
cd "$(dirname "$0")/.."

template=deploy/aws/tengu.json
policy=deploy/aws/tengu-task-policy.json

echo "deploy-lint: cfn-lint $template"
cfn-lint "$template"

echo "deploy-lint: checkov $template"
# --skip-download: no call to Prisma Cloud (this machine reaches only the package registries).
checkov -f "$template" --framework cloudformation --compact --quiet --skip-download

echo "deploy-lint: parliament $policy"
# parliament prints its findings and exits 1 on any; its --file reads stdin too when it is not a terminal.
parliament --string "$(cat "$policy")" </dev/null
echo "deploy-lint: no findings"
