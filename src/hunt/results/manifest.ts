/**
 * The ResultWriter's manifest: `{ DestinationBucket, MapRunArn, ResultFiles: { SUCCEEDED:
 * [{ Key, Size }], FAILED: […], PENDING: […] } }`. Only keys in the manifest's own folder are read.
 */
import { safeText } from '../../notify';
import type { ResultsLocation } from './locate';
import { describeValue, errorText, isObject } from './shapes';

/** More result files than this are reported, not read. */
const MAX_RESULT_FILES = 100_000;

export interface ResultFileRef {
  /** SUCCEEDED, FAILED or PENDING (as the manifest groups them). */
  status: string;
  key: string;
}

/** The result files a manifest lists; keys outside the manifest's folder are refused. */
export function parseManifest(
  text: string,
  location: ResultsLocation,
): { files: ResultFileRef[]; problems: string[] } {
  const where = `s3://${location.bucket}/${location.key}`;
  const problems: string[] = [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { files: [], problems: [`${where}: not valid JSON (${errorText(err)})`] };
  }
  if (!isObject(value)) return { files: [], problems: [`${where}: expected a JSON object`] };
  if (value.DestinationBucket !== undefined && value.DestinationBucket !== location.bucket)
    problems.push(
      `${where} DestinationBucket: expected "${location.bucket}", got ${describeValue(value.DestinationBucket)}; reading from "${location.bucket}"`,
    );
  const groups = value.ResultFiles;
  if (!isObject(groups))
    return { files: [], problems: [...problems, `${where} ResultFiles: expected an object`] };
  const folder = location.key.slice(0, location.key.length - 'manifest.json'.length);
  const files: ResultFileRef[] = [];
  for (const [status, list] of Object.entries(groups)) {
    const path = `ResultFiles.${safeText(status, 40)}`;
    if (!/^[A-Z_]{1,20}$/.test(status)) {
      problems.push(`${where} ${path}: unexpected group name`);
      continue;
    }
    if (!Array.isArray(list)) {
      problems.push(`${where} ${path}: expected an array`);
      continue;
    }
    list.forEach((entry, i) => {
      const key = isObject(entry) ? entry.Key : undefined;
      if (typeof key !== 'string' || key.length > 1024)
        problems.push(`${where} ${path}[${i}].Key: expected a string, got ${describeValue(key)}`);
      else if (!key.startsWith(folder) || key === location.key)
        problems.push(
          `${where} ${path}[${i}].Key: expected a key under ${folder}, got "${safeText(key, 200)}"`,
        );
      else if (files.length >= MAX_RESULT_FILES)
        problems.push(
          `${where} ${path}[${i}]: more than ${MAX_RESULT_FILES} result files; the rest are left out`,
        );
      else files.push({ status, key });
    });
  }
  return { files, problems };
}
