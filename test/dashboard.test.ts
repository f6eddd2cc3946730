import { execFileSync } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir, makeClip } from "./support/media.js";
import { waitFor } from "./support/wait.js";

const ROOT = join(import.meta.dirname, "..");
/** Screenshots are kept as test artifacts (gitignored). */
const ARTIFACTS = join(ROOT, ".tmp", "test-artifacts");
const TOKEN = "dashboard-token-1";

/** Debian's chromium (installed by `npm test`); CHROMIUM_PATH overrides. Nothing downloads a browser. */
function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ["chromium", "chromium-browser"]) {
    try {
      return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
    } catch {}
  }
  throw new Error("chromium is not installed (npm test installs it with apt-get)");
}

async function waitText(page: Page, selector: string, pattern: RegExp, timeout = 90_000): Promise<string> {
  const handle = await page.waitForFunction(
    (sel: string, src: string) => {
      const text = document.querySelector(sel)?.textContent ?? "";
      return new RegExp(src).test(text) ? text : false;
    },
    { timeout, polling: 100 },
    selector,
    pattern.source,
  );
  return (await handle.jsonValue()) as string;
}

describe("the dashboard in headless Chromium", () => {
  let engine: TestEngine;
  let browser: Browser;
  let page: Page;
  let base = "";
  let source = "";
  let templateId = "";
  const requests: string[] = [];
  const problems: string[] = [];
  const refused: string[] = [];

  beforeAll(async () => {
    engine = await startTestEngine({ API_KEYS: `${TOKEN}:acme` });
    base = `http://127.0.0.1:${engine.port}`;
    const dir = await fixtureDir(engine.dataDir);
    source = await makeClip(join(dir, "holiday.mp4"), { seconds: 3 });
    const template = await makeClip(join(dir, "warm-template.mp4"), {
      seconds: 3,
      source: "testsrc2=size=320x180:rate=25,hue=h=30:s=1.5,eq=contrast=1.2",
    });
    const form = new FormData();
    form.set("file", new Blob([await readFile(template)]), basename(template));
    const up = await fetch(`${base}/api/v1/videos/upload`, {
      method: "POST",
      body: form,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    templateId = (await up.json()).data.video_id;
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await puppeteer.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: ["--no-sandbox", "--disable-dev-shm-usage", "--mute-audio"],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    page.on("request", (r) => requests.push(r.url()));
    page.on("response", (r) => {
      if (r.status() >= 400) refused.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      // CSP violations and script errors show up here; failed loads are checked from the responses
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text());
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await engine?.cleanup();
  });

  it("asks for the token, keeps it in session storage only", async () => {
    const home = await fetch(`${base}/`);
    expect(await home.text()).toContain('href="/dashboard"');
    const res = await page.goto(`${base}/dashboard`, { waitUntil: "networkidle0" });
    expect(res?.headers()["content-security-policy"]).toMatch(/default-src 'self'/);
    await page.waitForSelector("input[name=token]");
    await page.type("input[name=token]", TOKEN);
    await page.click("form.token button[type=submit]");
    await waitText(page, "section.jobs h2", /Jobs/);
    const stored = await page.evaluate(() => ({
      session: sessionStorage.getItem("clipzy.token"),
      local: JSON.stringify({ ...localStorage }),
      cookie: document.cookie,
    }));
    expect(stored.session).toBe(TOKEN);
    expect(stored.local).not.toContain(TOKEN);
    expect(stored.cookie).toBe("");
  });

  it("uploads a dropped file over tus, starts a job with a template and shows its progress reach 100", async () => {
    // a real drop event carrying the file, on the drop zone
    const bytes = (await readFile(source)).toString("base64");
    await page.evaluate(
      (b64: string, name: string) => {
        const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([data], name, { type: "video/mp4" }));
        const zone = document.querySelector('[data-drop="source"]')!;
        zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
        zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      bytes,
      basename(source),
    );
    await waitText(page, "[data-testid=upload-bytes]", /uploaded/, 30_000);
    expect(requests.some((u) => u.startsWith(`${base}/api/v1/videos/tus`))).toBe(true);
    await page.waitForSelector(`select[name=template] option[value="${templateId}"]`);
    await page.select("select[name=template]", templateId);
    await page.select("select[name=quality]", "low");
    await page.click("button[name=start]");
    const link = await page.waitForSelector("section.new-job a[href^='#/jobs/']");
    const jobId = (await link!.evaluate((a) => a.textContent))!;
    const row = `li[data-job="${jobId}"] [data-testid=percent]`;
    await page.waitForSelector(row);
    // the list follows the job's events: sample what the page shows until it reads 100%
    const seen = new Set<string>();
    await waitFor(
      "the row to read 100%",
      async () => {
        const text = await page.$eval(row, (el) => el.textContent ?? "");
        seen.add(text);
        return text === "100%";
      },
      { timeoutMs: 90_000, intervalMs: 50, detail: () => `seen: ${[...seen].join(", ")}` },
    );
    const values = [...seen].map((s) => Number.parseInt(s, 10));
    expect(
      values.some((v) => v > 0 && v < 100),
      `seen: ${[...seen]}`,
    ).toBe(true); // live, not a jump
    expect(await page.$eval(`li[data-job="${jobId}"] .badge`, (el) => el.textContent)).toBe("completed");
    expect(requests.some((u) => u === `${base}/api/v1/jobs/${jobId}/events`)).toBe(true);

    // the job page: player (the output endpoint with Range), frames side by side, Style DNA
    await page.click(`li[data-job="${jobId}"] a`);
    await page.waitForSelector("[data-testid=style-dna]");
    await page.waitForSelector("[data-testid=player]");
    await page.waitForFunction(
      () => {
        const v = document.querySelector("video") as HTMLVideoElement | null;
        return v && v.readyState >= 1 && v.duration > 2;
      },
      { timeout: 30_000 },
    );
    await page.waitForFunction(() => document.querySelectorAll(".strip canvas").length === 9, {
      timeout: 60_000,
    });
    const strips = await page.$$eval(".strip", (els) => els.map((e) => e.getAttribute("data-strip")));
    expect(strips).toEqual(["source", "template", "output"]);
    expect(await page.$$eval(".grade-row", (els) => els.length)).toBe(6);
    expect(await page.$$eval(".swatch", (els) => els.length)).toBeGreaterThanOrEqual(9);
    expect(await waitText(page, "[data-testid=tempo]", /BPM|no tempo/)).toBeTruthy();
    expect(await page.$$eval(".timeline line.beat", (els) => els.length)).toBeGreaterThan(0);
    // the exports beside the MP4: the .cube and the three timelines, fetched with the token on a click
    expect(
      await page.$$eval("[data-export]", (els) => els.map((e) => e.getAttribute("data-export"))),
    ).toEqual(["cube", "otio", "fcpxml", "edl"]);
    const [otio] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${base}/api/v1/jobs/${jobId}/timeline.otio`),
      page.click("[data-export=otio]"),
    ]);
    expect(otio.status()).toBe(200);
    expect(otio.request().headers().authorization).toBe(`Bearer ${TOKEN}`);
    const saved = await fetch(`${base}/api/v1/jobs/${jobId}/timeline.otio`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect((await saved.json()).OTIO_SCHEMA).toBe("Timeline.1");
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-job.png"), fullPage: true });
    // phone-sized: one column, nothing wider than the screen
    await page.setViewport({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-phone.png") });
    await page.setViewport({ width: 1280, height: 900 });
    const range = await fetch(`${base}/api/v1/jobs/${jobId}/output?access_token=${TOKEN}`, {
      headers: { range: "bytes=0-99" },
    });
    expect(range.status).toBe(206); // what the player uses
  }, 240_000); // its waits allow 90 s each: a loaded machine reports where it got stuck, not the test's timeout

  it("cancels from the list and shows the API's message for an error", async () => {
    const videos = await (
      await fetch(`${base}/api/v1/videos`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json();
    const create = await fetch(`${base}/api/v1/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ video_id: videos.videos.at(-1).video_id, template_video_id: templateId }),
    });
    const { job_id } = (await create.json()).data;
    await page.goto(`${base}/dashboard#/`, { waitUntil: "networkidle0" });
    const cancel = await page.waitForSelector(`li[data-job="${job_id}"] button.danger`);
    await cancel!.click();
    await waitText(page, `li[data-job="${job_id}"] .badge`, /cancelled/, 30_000);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-home.png") });

    await page.goto(`${base}/dashboard#/jobs/job_doesnotexist1`, { waitUntil: "networkidle0" });
    const message = await waitText(page, "main .error", /job_doesnotexist1/);
    const api = await fetch(`${base}/api/v1/jobs/job_doesnotexist1`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(message).toBe((await api.json()).message);
  });

  it("made no request to another origin and broke no CSP rule", () => {
    expect(requests.length).toBeGreaterThan(10);
    // data: URLs are Chromium's own media-control icons, never fetched from anywhere
    const foreign = requests.filter((u) => !u.startsWith("data:") && new URL(u).origin !== base);
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
    // the only refusals: the first load before the token (jobs and videos lists), and the unknown job
    // asked for on purpose
    expect(new Set(refused)).toEqual(
      new Set(["401 /api/v1/jobs", "401 /api/v1/videos", "404 /api/v1/jobs/job_doesnotexist1"]),
    );
  });

  it("serves uploaded videos with Range; media URLs take ?access_token= (a <video> sends no header), nothing else does", async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const content = await engine.api(`/api/v1/videos/${templateId}/content`, { headers: auth });
    expect(content.status).toBe(200);
    expect(content.headers.get("content-type")).toBe("video/mp4");
    const part = await engine.api(`/api/v1/videos/${templateId}/content?access_token=${TOKEN}`, {
      headers: { range: "bytes=0-9" },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toMatch(/^bytes 0-9\/\d+$/);
    const api = await engine.api(`/api/v1/videos/${templateId}?access_token=${TOKEN}`);
    expect(api.status).toBe(401);
    const wrong = await engine.api(`/api/v1/videos/${templateId}/content?access_token=nope`);
    expect(wrong.status).toBe(401);
    expect(wrong.body.message).toBe("the bearer token is not valid");
    const missing = await engine.api("/api/v1/videos/vid_doesnotexist12/content", { headers: auth });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("video_not_found");
  });
});
