export * from "./client.js";
export { type FollowOptions, followJobEvents, type JobEvent } from "./events.js";
export { fetchPreview, previewMayExist } from "./preview.js";
export { type UploadOptions, type UploadProgress, uploadVideo } from "./upload.js";
