import { randomBytes } from "node:crypto";
import { type Collection, DuplicateKeyError } from "@clipzy/platform/docstore";

/**
 * Per-tenant Standard Webhooks secrets. Rotation makes a new secret current and keeps the old
 * one valid for a grace period, during which deliveries carry both signatures, so receivers can
 * switch without dropping a single webhook.
 */
export interface SecretDoc {
  _id: string;
  current: string;
  previous: { secret: string; expires_at: Date }[];
  [key: string]: unknown;
}

export interface ActiveSecret {
  secret: string;
  expires_at: Date | null;
}

export const newSecret = () => `whsec_${randomBytes(24).toString("base64")}`;

export class SigningSecrets {
  constructor(
    private readonly secrets: Collection<SecretDoc>,
    private readonly graceSeconds: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The tenant's valid secrets, current first; a tenant gets its first secret on first use. */
  async active(tenantId: string): Promise<ActiveSecret[]> {
    let doc = await this.secrets.findOne({ _id: tenantId });
    if (!doc) {
      try {
        await this.secrets.insertOne({ _id: tenantId, current: newSecret(), previous: [] });
      } catch (err) {
        if (!(err instanceof DuplicateKeyError)) throw err;
      }
      doc = (await this.secrets.findOne({ _id: tenantId }))!;
    }
    const now = this.now();
    return [
      { secret: doc.current, expires_at: null },
      ...doc.previous
        .filter((p) => p.expires_at > now)
        .map((p) => ({ secret: p.secret, expires_at: p.expires_at })),
    ];
  }

  async rotate(tenantId: string): Promise<ActiveSecret[]> {
    const [current, ...rest] = await this.active(tenantId);
    const expires = new Date(this.now().getTime() + this.graceSeconds * 1000);
    const previous = [
      { secret: current.secret, expires_at: expires },
      ...rest.map((r) => ({ secret: r.secret, expires_at: r.expires_at! })),
    ];
    await this.secrets.updateOne(
      { _id: tenantId, current: current.secret },
      { $set: { current: newSecret(), previous } },
    );
    return this.active(tenantId);
  }
}
