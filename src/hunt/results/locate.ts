/**
 * Where an execution's results are: the ResultWriter's manifest named by a succeeded execution's
 * output, or, for a failed or aborted hunt (which may have written part of them), the manifest of
 * its map run under the hunt bucket's results folder.
 *
 * ResultWriter format (AWS Step Functions, ResultWriter (Map), no WriterConfig): the map's output
 * is `{ MapRunArn, ResultWriterDetails: { Bucket, Key: "<prefix>/<map run id>/manifest.json" } }`.
 */
import { safeText } from '../../notify';
import { HUNT_RESULTS_PREFIX } from '../index';
import type { ExecutionDescription, HuntResultsPort } from './port';
import { errorText, isObject } from './shapes';

export interface ResultsLocation {
  bucket: string;
  /** Key of manifest.json. */
  key: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const MAP_RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `ResultWriterDetails` of a succeeded execution's output. */
export function resultsFromOutput(output: string | undefined): {
  location?: ResultsLocation;
  mapRunArn?: string;
  problem?: string;
} {
  if (output === undefined) return { problem: 'the execution has no output' };
  let value: unknown;
  try {
    value = JSON.parse(output);
  } catch {
    return { problem: 'the execution output is not JSON' };
  }
  const details = isObject(value) ? value.ResultWriterDetails : undefined;
  if (!isObject(details)) return { problem: 'the execution output has no ResultWriterDetails' };
  const { Bucket, Key } = details;
  if (typeof Bucket !== 'string' || !BUCKET.test(Bucket))
    return { problem: 'execution output ResultWriterDetails.Bucket: expected a bucket name' };
  if (typeof Key !== 'string' || Key.length > 1024 || !Key.endsWith('manifest.json'))
    return { problem: 'execution output ResultWriterDetails.Key: expected the key of a manifest.json' };
  const mapRunArn = isObject(value) && typeof value.MapRunArn === 'string' ? value.MapRunArn : undefined;
  return { location: { bucket: Bucket, key: Key }, ...(mapRunArn ? { mapRunArn } : {}) };
}

/**
 * Where the results of an execution are: the output's ResultWriterDetails when it succeeded;
 * otherwise the map run's id under the results folder of the hunt bucket, found through the
 * port's map-run calls.
 */
export async function locateResults(
  port: HuntResultsPort,
  execution: ExecutionDescription,
  huntBucket: string,
): Promise<{ location?: ResultsLocation; manifestText?: string; mapRunArn?: string; problem?: string }> {
  const fromOutput = resultsFromOutput(execution.output);
  if (fromOutput.location) return fromOutput;
  if (!port.listMapRuns)
    return { problem: `${fromOutput.problem}, and map runs cannot be listed to find partial results` };
  let mapRunArn: string | undefined;
  try {
    mapRunArn = (await port.listMapRuns(execution.executionArn))[0];
  } catch (err) {
    return { problem: `listing the execution's map runs failed: ${errorText(err)}` };
  }
  if (!mapRunArn) return { problem: 'the execution started no map run, so no results were written' };
  const id = mapRunArn.split(':').pop() ?? '';
  if (!MAP_RUN_ID.test(id))
    return { mapRunArn, problem: `unexpected map run ARN "${safeText(mapRunArn, 200)}"` };
  // Step Functions joins the prefix and the map run id with a slash; `results/` may give `results//`.
  const candidates = [
    `${HUNT_RESULTS_PREFIX}${id}/manifest.json`,
    `${HUNT_RESULTS_PREFIX}/${id}/manifest.json`,
  ];
  const failures: string[] = [];
  for (const key of candidates) {
    try {
      const manifestText = await port.getObject(huntBucket, key);
      return { location: { bucket: huntBucket, key }, manifestText, mapRunArn };
    } catch (err) {
      failures.push(`${key}: ${errorText(err)}`);
    }
  }
  return {
    mapRunArn,
    problem: `no results manifest for map run ${id} in s3://${huntBucket}/ (${failures.join('; ')})`,
  };
}
