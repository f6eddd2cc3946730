import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { infra } from "../../../../test/support/infra.js";
import { connectObjectStore } from "../connect.js";
import { objectStoreContract } from "./objectstore.contract.js";
import { parseS3Url, type S3ObjectStore } from "./s3.js";

const url = () => infra().env.OBJECT_STORE_URL;

objectStoreContract("S3ObjectStore (MinIO)", () => connectObjectStore(url()));

describe("S3ObjectStore specifics", () => {
  it("parses the s3:// URL form and rejects bad ones", () => {
    expect(parseS3Url("s3://AK:S%2FK@minio.local:9000/bucket?ssl=false&region=eu-west-1&presign=60")).toEqual(
      {
        endPoint: "minio.local",
        port: 9000,
        useSSL: false,
        accessKey: "AK",
        secretKey: "S/K",
        bucket: "bucket",
        region: "eu-west-1",
        presignSeconds: 60,
        partSize: 5 * 1024 * 1024,
      },
    );
    expect(parseS3Url("s3://a:b@s3.example.com/b").useSSL).toBe(true);
    expect(() => parseS3Url("s3://a:b@h/")).toThrow(/bucket/);
    expect(() => parseS3Url("s3://a:b@h/b/c")).toThrow(/bucket/);
    expect(() => parseS3Url("s3://a:b@h/b?presign=9999999")).toThrow(/presign/);
    expect(() => parseS3Url("s3://a:b@h/b?partSize=10")).toThrow(/partSize/);
  });

  it("creates its bucket on start; storageUrl is s3://bucket/key; publicUrl is a presigned GET anyone can fetch", async () => {
    const bucket = `clipzy-spec-${Date.now()}`;
    const u = new URL(url());
    u.pathname = `/${bucket}`;
    const store = (await connectObjectStore(u.href)) as S3ObjectStore;
    expect(await store.client.bucketExists(bucket)).toBe(true);
    await connectObjectStore(u.href); // existing bucket: fine
    await store.putBytes("outputs/job_1/output.mp4", "video bytes", { contentType: "video/mp4" });
    expect(store.storageUrl("outputs/job_1/output.mp4")).toBe(`s3://${bucket}/outputs/job_1/output.mp4`);
    const link = await store.publicUrl("outputs/job_1/output.mp4");
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.+X-Amz-Signature=/);
    const res = await fetch(link);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("video/mp4");
    expect(await res.text()).toBe("video bytes");
    expect((await fetch(link.replace(/X-Amz-Signature=[0-9a-f]+/, "X-Amz-Signature=00"))).status).toBe(403);
    await store.deletePrefix("outputs/");
    await store.client.removeBucket(bucket);
  });

  it("a body of several parts is uploaded as a multipart upload and reads back byte for byte", async () => {
    const store = (await connectObjectStore(url())) as S3ObjectStore;
    const key = `spec-${Date.now()}/multi.bin`;
    const part = Buffer.alloc(1024 * 1024);
    const hashIn = createHash("sha256");
    async function* body() {
      for (let i = 0; i < 12; i++) {
        part.fill(i);
        hashIn.update(part);
        yield Buffer.from(part);
      }
    }
    const info = await store.put(key, Readable.from(body()));
    expect(info.size).toBe(12 * 1024 * 1024);
    const stat = await store.client.statObject(store.bucket, key);
    expect(stat.etag).toMatch(/-3$/); // S3's multipart ETag: <md5 of part md5s>-<parts>
    const hashOut = createHash("sha256");
    for await (const c of await store.get(key)) hashOut.update(c as Buffer);
    expect(hashOut.digest("hex")).toBe(hashIn.digest("hex"));
    await store.deletePrefix(key.split("/")[0] + "/");
  });
});
