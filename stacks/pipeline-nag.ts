/**
 * cdk-nag AwsSolutions acknowledgments for the resources CDK Pipelines creates (artifact bucket,
 * CodeBuild and pipeline roles). Each finding is named exactly and carries its reason; the ids
 * that embed logical ids are computed from the constructs, so renaming them cannot hide a finding.
 */
import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as pipelines from 'aws-cdk-lib/pipelines';
import type { IConstruct } from 'constructs';

export function acknowledgePipelineFindings(pipeline: pipelines.CodePipeline): void {
  const stack = Stack.of(pipeline);
  const ref = (element: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(element.node.defaultChild as CfnElement);
  const bucket = ref(pipeline.pipeline.artifactBucket);
  const logs = `arn:<AWS::Partition>:logs:${stack.region}:${stack.account}:log-group:/aws/codebuild`;
  const reports = `arn:<AWS::Partition>:codebuild:${stack.region}:${stack.account}:report-group`;
  const projects = [
    ref(pipeline.synthProject),
    ...(pipeline.selfMutationEnabled ? [ref(pipeline.selfMutationProject)] : []),
  ];
  const artifacts = 'CDK Pipelines grant on its own KMS-encrypted artifact bucket and key';
  const acknowledgments = [
    {
      id: 'AwsSolutions-S1',
      reason:
        'Pipeline artifact bucket: short-lived build artifacts, encrypted and access-controlled; access logging would add a bucket per pipeline for no detection value',
    },
    ...[
      's3:GetObject*',
      's3:GetBucket*',
      's3:List*',
      's3:DeleteObject*',
      's3:Abort*',
      'kms:ReEncrypt*',
      'kms:GenerateDataKey*',
    ].map((action) => ({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason: artifacts,
    })),
    { id: `AwsSolutions-IAM5[Resource::<${bucket}.Arn>/*]`, reason: artifacts },
    ...projects.flatMap((project) => [
      {
        id: `AwsSolutions-IAM5[Resource::${logs}/<${project}>:*]`,
        reason: 'CodeBuild writes log streams in its own log group',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${reports}/<${project}>-*]`,
        reason: 'CodeBuild writes test reports to its own report groups',
      },
    ]),
    {
      id: `AwsSolutions-IAM5[Resource::${logs}/*]`,
      reason: 'Asset publishing CodeBuild projects are created per asset by CDK Pipelines',
    },
    {
      id: `AwsSolutions-IAM5[Resource::${reports}/*]`,
      reason: 'Asset publishing CodeBuild projects are created per asset by CDK Pipelines',
    },
    {
      id: `AwsSolutions-IAM5[Resource::arn:*:iam::${stack.account}:role/*]`,
      reason: 'Self-mutation assumes the CDK bootstrap roles of the pipeline account',
    },
  ];
  Validations.of(pipeline).acknowledge(...acknowledgments);

  // `*` resources, each on the one role CDK Pipelines gives them to, with what that role calls.
  const roleAt = (suffix: string) => pipeline.node.findAll().find((c) => c.node.path.endsWith(suffix));
  const selfMutation = roleAt('UpdatePipeline/SelfMutation/Role');
  if (selfMutation !== undefined)
    Validations.of(selfMutation).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Self-mutation calls cloudformation:DescribeStacks and s3:ListBucket on the stacks and bootstrap buckets it deploys to, which CDK Pipelines does not know by name',
    });
  const assets = roleAt('Assets/FileRole');
  if (assets !== undefined)
    Validations.of(assets).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Asset publishing starts and watches its own CodeBuild builds (codebuild:StartBuild, BatchGetBuilds, StopBuild), granted by CDK Pipelines on *',
    });
  acknowledgeCrossRegionSupport(pipeline, roleAt('Pipeline/Pipeline/Role'));
}

/**
 * Stages in other regions (GuardDuty forwarding) make CodePipeline add a support stack per region
 * with an artifact replication bucket, and grant its role that bucket and KMS use on `*` (the
 * replication keys are found by alias in each region).
 */
function acknowledgeCrossRegionSupport(
  pipeline: pipelines.CodePipeline,
  pipelineRole: IConstruct | undefined,
): void {
  const supports = pipeline.node.root.node.children.filter((c) =>
    c.node.id.startsWith('cross-region-stack-'),
  );
  if (supports.length === 0) return;
  const reason = 'CodePipeline replicates build artifacts to each region it deploys to, through this bucket';
  for (const support of supports) {
    Validations.of(support).acknowledge({
      id: 'AwsSolutions-S1',
      reason: `${reason}: short-lived, encrypted artifacts; access logging would add a bucket per region for no detection value`,
    });
    // The bucket's generated name, as the pipeline's stack (another region) refers to it.
    const bucket = support.node.findAll().find((c): c is s3.Bucket => c instanceof s3.Bucket);
    const name: unknown = bucket && Stack.of(pipeline).resolve(bucket.bucketName);
    if (typeof name === 'string')
      Validations.of(pipeline).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${name}/*]`,
        reason,
      });
  }
  if (pipelineRole !== undefined)
    Validations.of(pipelineRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'CodePipeline encrypts the replicated artifacts with a key per region that it finds by alias, and grants its role kms use on *',
    });
}
