import { analyzeVideo } from "../services/lib-media/src/analyze-video.js";
const { analysis } = await analyzeVideo(process.argv[2]);
console.log(JSON.stringify(analysis.transitions.map((t) => [t.type, t.start_frame, t.frames])));
