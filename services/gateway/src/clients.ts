import type { ServiceClient } from "@clipzy/platform/grpc";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import type { JobService, UploadService, WebhookService } from "@clipzy/proto";

/** What the gateway talks to: the three core services over gRPC, and read access to outputs. */
export interface Backends {
  upload: ServiceClient<typeof UploadService>;
  jobs: ServiceClient<typeof JobService>;
  webhooks: ServiceClient<typeof WebhookService>;
  store: ObjectStore;
}
