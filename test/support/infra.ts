/** Access to the real servers the `distributed` project's globalSetup started (see infra-setup.ts). */
import { readFileSync } from "node:fs";
import { inject } from "vitest";
// @ts-expect-error: plain ESM script without type declarations
import { startRabbit, stopRabbit } from "../../scripts/infra.mjs";

export interface InfraInfo {
  env: { BROKER_URL: string; MONGO_URL: string; OBJECT_STORE_URL: string };
  stateFile: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    infra: InfraInfo;
  }
}

export function infra(): InfraInfo {
  const info = inject("infra");
  if (!info)
    throw new Error("the real servers are not running: run this file in the `distributed` vitest project");
  return info;
}

/** Stops this run's RabbitMQ node (connections drop, durable queues and persistent messages stay). */
export async function stopBroker(): Promise<void> {
  await stopRabbit(JSON.parse(readFileSync(infra().stateFile, "utf8")));
}

/** Starts it again on the same port and data directory and waits until it accepts connections. */
export async function startBroker(): Promise<void> {
  const state = JSON.parse(readFileSync(infra().stateFile, "utf8"));
  await startRabbit(state);
}
