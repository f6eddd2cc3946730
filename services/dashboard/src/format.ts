export { bytes, seconds } from "@clipzy/client/format";

export const stageLabel = (s: string) => s.replace(/_/g, " ");
