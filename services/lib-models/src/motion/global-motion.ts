/**
 * The global-motion estimator lives with the video analyser, which runs it on every frame pair
 * while it decodes (see video/motion-features); re-exported here for the
 * motion metrics and their tests.
 */
export {
  buildPyramid,
  estimateMotion,
  type MotionParams,
  type PairMotion,
  type Pyramid,
} from "../video/global-motion.js";
