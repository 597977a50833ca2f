// s3rver ships no types. Only what the test S3 service uses is declared.
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    vhostBuckets?: boolean;
    configureBuckets?: { name: string; configs: (string | Buffer)[] }[];
  }

  class S3rver {
    constructor(options: S3rverOptions);
    /** Resolves with the address the HTTP server listens on. */
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
  export = S3rver;
}
