/** The ResultWriter's manifest: its groups of result files, and only keys in its own folder. */
import { parseManifest } from '../../../src/hunt/results';
import { BUCKET, MANIFEST_KEY, manifest, resultKey } from '../fixtures';

describe('parseManifest', () => {
  it('reads the manifest groups and refuses keys outside its folder', () => {
    const loc = { bucket: BUCKET, key: MANIFEST_KEY };
    expect(
      parseManifest(
        manifest({ SUCCEEDED: [resultKey('SUCCEEDED_0.json')], FAILED: [resultKey('FAILED_0.json')] }),
        loc,
      ),
    ).toEqual({
      files: [
        { status: 'SUCCEEDED', key: resultKey('SUCCEEDED_0.json') },
        { status: 'FAILED', key: resultKey('FAILED_0.json') },
      ],
      problems: [],
    });
    const other = parseManifest(manifest({ SUCCEEDED: [MANIFEST_KEY] }, 'other-bucket'), loc);
    expect(other.files).toEqual([]);
    expect(other.problems).toEqual([
      expect.stringContaining(
        'DestinationBucket: expected "trailalerts-hunt-222222222222-eu-west-1", got "other-bucket"',
      ),
      expect.stringContaining('ResultFiles.SUCCEEDED[0].Key: expected a key under'),
    ]);
  });
});
