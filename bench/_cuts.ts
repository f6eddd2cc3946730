import { analyzeVideo } from "../services/lib-media/src/analyze-video.js";
import { beatFrames, shotLengths } from "../test/support/edit-media.js";
const lengths = shotLengths(beatFrames(128, 5, 1780), 1800, 12);
const mids = beatFrames(128, 5, 1780); const built = mids.map((m) => m / 30);
const { analysis } = await analyzeVideo(process.argv[2]);
console.log("built boundaries", built.length, built.map((t) => t.toFixed(2)).join(" "));
console.log("cut_frequency", analysis.cut_frequency, "transitions", analysis.transitions.length);
console.log(analysis.transitions.map((t: any) => `${t.type}@${(t.start_frame/30).toFixed(2)}-${(t.end_frame/30).toFixed(2)}`).join(" "));
console.log("shots", analysis.shots.length);
