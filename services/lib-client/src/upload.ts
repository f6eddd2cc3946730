import { type DetailedError, Upload, type UrlStorage } from "tus-js-client";
import { ApiError, type ClipzyClient, type VideoResponse } from "./client.js";

export interface UploadProgress {
  sent: number;
  total: number;
}

export interface UploadOptions {
  filename: string;
  filetype?: string;
  webhookUrl?: string;
  templateVideoId?: string;
  /** Bytes per PATCH; default the whole rest of the file in one request. */
  chunkSize?: number;
  /** Where unfinished uploads are remembered for resuming (node: tus's FileUrlStorage); browsers default to localStorage. */
  urlStorage?: UrlStorage;
  retryDelays?: number[] | null;
  onProgress?: (p: UploadProgress) => void;
  /** Called when an earlier, interrupted upload of this file is resumed, with the bytes the engine has. */
  onResume?: (offset: number) => void;
  signal?: AbortSignal;
}

export interface UploadResult {
  video: VideoResponse;
  /** Where a resumed upload continued from (bytes the engine already had); 0 for a fresh one. */
  resumedFrom: number;
}

/**
 * Uploads over tus (resumable): an upload of the same file interrupted earlier (network, Ctrl-C,
 * a closed laptop) continues from the bytes the engine already has. `file` is a File/Blob in
 * browsers, a fs.ReadStream (with its path) in Node. The last PATCH answers with the probed video.
 */
export function uploadVideo(
  client: ClipzyClient,
  file: Blob | NodeJS.ReadableStream,
  options: UploadOptions,
): Promise<UploadResult> {
  return new Promise<UploadResult>((resolve, reject) => {
    let resumedFrom = 0;
    const metadata: Record<string, string> = { filename: options.filename };
    if (options.filetype) metadata.filetype = options.filetype;
    if (options.webhookUrl) metadata.webhook_url = options.webhookUrl;
    if (options.templateVideoId) metadata.template_video_id = options.templateVideoId;
    const upload = new Upload(file as Blob, {
      endpoint: client.url("/videos/tus"),
      metadata,
      ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
      ...(options.urlStorage ? { urlStorage: options.urlStorage } : {}),
      retryDelays: options.retryDelays === undefined ? [0, 1000, 3000, 5000] : options.retryDelays,
      removeFingerprintOnSuccess: true,
      onBeforeRequest(req) {
        for (const [k, v] of Object.entries(client.authHeaders())) req.setHeader(k, v);
      },
      onAfterResponse(req, res) {
        if (req.getMethod() !== "HEAD" || res.getStatus() !== 200) return;
        resumedFrom = Number(res.getHeader("Upload-Offset") ?? 0);
        options.onResume?.(resumedFrom);
      },
      onProgress: (sent, total) => options.onProgress?.({ sent, total }),
      onError: (err) => reject(tusApiError(client, err as DetailedError)),
      onSuccess({ lastResponse }) {
        try {
          const body = JSON.parse(lastResponse.getBody()) as { data: VideoResponse };
          resolve({ video: body.data, resumedFrom });
        } catch {
          reject(new ApiError("the engine's answer to the finished upload is not JSON", 502, "bad_gateway"));
        }
      },
    });
    options.signal?.addEventListener("abort", () => {
      upload.abort().finally(() => reject(options.signal!.reason ?? new Error("aborted")));
    });
    upload
      .findPreviousUploads()
      .then((previous) => {
        if (previous.length > 0) upload.resumeFromPreviousUpload(previous[0]);
        upload.start();
      })
      .catch(reject);
  });
}

/** tus errors carry the engine's answer: its JSON envelope (or plain-text protocol message) becomes the ApiError. */
function tusApiError(client: ClipzyClient, err: DetailedError): ApiError {
  const res = err.originalResponse;
  if (!res) {
    const cause = err.causingError as { code?: string; message?: string } | null;
    return new ApiError(
      `cannot reach the engine at ${client.origin}: ${cause?.code ?? cause?.message ?? err.message}`,
      0,
      "unreachable",
    );
  }
  const text = res.getBody() ?? "";
  try {
    const e = JSON.parse(text) as {
      message: string;
      error: { code: string; details?: Record<string, unknown> };
    };
    return new ApiError(e.message, res.getStatus(), e.error.code, e.error.details ?? {});
  } catch {
    return new ApiError(text.trim() || `HTTP ${res.getStatus()}`, res.getStatus(), `http_${res.getStatus()}`);
  }
}
