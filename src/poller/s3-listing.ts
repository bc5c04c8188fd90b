/** The listing port on S3 ListObjectsV2 (the trail client: the reader role when one is set). */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { ListPage, ListRequest, TrailListing } from './ports';

export interface S3TrailListingOptions {
  s3: S3Client;
  bucket: string;
  /** Keys per page (S3's default and maximum is 1000); tests page through small numbers. */
  pageSize?: number;
}

export class S3TrailListing implements TrailListing {
  constructor(private readonly options: S3TrailListingOptions) {}

  async page(request: ListRequest): Promise<ListPage> {
    const out = await this.options.s3.send(
      new ListObjectsV2Command({
        Bucket: this.options.bucket,
        Prefix: request.prefix,
        Delimiter: request.delimiter,
        // With a continuation token S3 resumes from it; StartAfter only places the first page.
        StartAfter: request.token ? undefined : request.startAfter,
        ContinuationToken: request.token,
        MaxKeys: this.options.pageSize,
      }),
    );
    return {
      keys: (out.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : [])),
      folders: (out.CommonPrefixes ?? []).flatMap((p) => (p.Prefix ? [p.Prefix] : [])),
      next: out.IsTruncated && out.NextContinuationToken ? out.NextContinuationToken : undefined,
    };
  }
}
