import type { MessageInitShape } from "@bufbuild/protobuf";
import type { UploadFieldsSchema, UploadHeaderSchema, UploadRequestSchema } from "@clipzy/proto";

export type UploadPart = MessageInitShape<typeof UploadRequestSchema>;

/**
 * The upload service's client stream: the header, the file's bytes as they arrive, then the form
 * fields, which commit the upload (`commit` runs after the last byte: checks that need the whole
 * body go there, and a throw cancels the upload).
 */
export async function* uploadParts(
  header: MessageInitShape<typeof UploadHeaderSchema>,
  chunks: AsyncIterable<Uint8Array>,
  commit: () => Promise<MessageInitShape<typeof UploadFieldsSchema>>,
): AsyncGenerator<UploadPart> {
  yield { part: { case: "header", value: header } };
  for await (const chunk of chunks) yield { part: { case: "chunk", value: chunk } };
  yield { part: { case: "fields", value: await commit() } };
}
