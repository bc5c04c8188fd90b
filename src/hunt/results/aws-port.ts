/** The results port over the SDK clients (the operator's credentials, in the state machine's region). */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  paginateListMapRuns,
  RedriveExecutionCommand,
  UpdateMapRunCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { HuntResultsPort } from './port';

/** Whole-object reads (manifests, JSON-array result files of older state machines) stop here; JSON Lines stream. */
export const MAX_RESULT_FILE_BYTES = 256 * 1024 * 1024;

const n = (v: number) => v.toLocaleString('en-US');

export function awsHuntResultsPort(
  sfn: SFNClient,
  s3: S3Client,
  maxObjectBytes = MAX_RESULT_FILE_BYTES,
): Required<HuntResultsPort> {
  return {
    async describeExecution(executionArn) {
      const r = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return {
        executionArn: r.executionArn ?? executionArn,
        status: r.status ?? 'UNKNOWN',
        ...(r.stateMachineArn ? { stateMachineArn: r.stateMachineArn } : {}),
        ...(r.name ? { name: r.name } : {}),
        ...(r.input !== undefined ? { input: r.input } : {}),
        ...(r.output !== undefined ? { output: r.output } : {}),
        ...(r.error !== undefined ? { error: r.error } : {}),
        ...(r.cause !== undefined ? { cause: r.cause } : {}),
        ...(r.startDate ? { startDate: r.startDate } : {}),
        ...(r.stopDate ? { stopDate: r.stopDate } : {}),
        ...(r.redriveStatus ? { redriveStatus: r.redriveStatus } : {}),
        ...(r.redriveStatusReason ? { redriveStatusReason: r.redriveStatusReason } : {}),
      };
    },
    async getObject(bucket, key) {
      const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (r.ContentLength !== undefined && r.ContentLength > maxObjectBytes)
        throw new Error(`${n(r.ContentLength)} bytes, more than the ${n(maxObjectBytes)} read at most`);
      if (!r.Body) throw new Error('empty response body');
      const body = await r.Body.transformToString('utf-8');
      if (body.length > maxObjectBytes)
        throw new Error(`more than the ${n(maxObjectBytes)} bytes read at most`);
      return body;
    },
    async streamObject(bucket, key) {
      const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!r.Body) throw new Error('empty response body');
      return r.Body as AsyncIterable<Uint8Array>;
    },
    async updateMapRun(mapRunArn, maxConcurrency) {
      await sfn.send(new UpdateMapRunCommand({ mapRunArn, maxConcurrency }));
    },
    async redriveExecution(executionArn) {
      const r = await sfn.send(new RedriveExecutionCommand({ executionArn }));
      return r.redriveDate ? { redriveDate: r.redriveDate } : {};
    },
    async listMapRuns(executionArn) {
      const runs: { arn: string; start: number }[] = [];
      for await (const page of paginateListMapRuns({ client: sfn }, { executionArn }))
        for (const m of page.mapRuns ?? [])
          if (m.mapRunArn) runs.push({ arn: m.mapRunArn, start: m.startDate?.getTime() ?? 0 });
      return runs.sort((a, b) => b.start - a.start).map((r) => r.arn);
    },
    async describeMapRun(mapRunArn) {
      const r = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
      const c = r.itemCounts;
      return {
        mapRunArn,
        ...(r.status ? { status: r.status } : {}),
        items: {
          total: c?.total ?? 0,
          succeeded: c?.succeeded ?? 0,
          failed: (c?.failed ?? 0) + (c?.timedOut ?? 0) + (c?.aborted ?? 0),
          running: c?.running ?? 0,
          pending: c?.pending ?? 0,
        },
      };
    },
  };
}
