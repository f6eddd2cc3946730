import { analyzeVideo } from "../services/lib-media/src/analyze-video.js";
import { makeTransitionClip, transitionCases } from "../services/lib-media/src/transition-clips.js";
const photos = "/root/.cache/clipzy-infra/venv-ff0a03665a68/lib/python3.11/site-packages/skimage/data";
const dir = "/tmp/i21a/clips";
import { mkdirSync } from "node:fs";
mkdirSync(dir, { recursive: true });
const cases = transitionCases(21, Number(process.argv[2] ?? 30));
const t0 = Date.now();
for (const c of cases) {
  const f = await makeTransitionClip(dir, photos, c);
  const { analysis } = await analyzeVideo(f);
  console.log(c.name, c.content, "truth", c.startFrame, c.frames, "→", JSON.stringify(analysis.transitions.map((t) => [t.type, t.start_frame, t.frames])));
}
console.log("ms", Date.now() - t0);
