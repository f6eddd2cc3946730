import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { getToken, onUnauthorized, setToken } from "./api.js";
import { JobPage } from "./job.js";
import { JobsList } from "./jobs.js";
import { NewJob } from "./upload.js";
import "./app.css";

/** Hash routes (#/ and #/jobs/<id>): the gateway serves one page, deep links still work. */
function useRoute(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return hash.replace(/^#/, "") || "/";
}

function TokenForm({ onDone }: { onDone: () => void }) {
  const [value, setValue] = useState("");
  return (
    <form
      class="card token"
      onSubmit={(e) => {
        e.preventDefault();
        setToken(value.trim());
        onDone();
      }}
    >
      <h2>Token</h2>
      <p>
        This engine has API keys. Enter a token from its <code>API_KEYS</code>; it is kept only in this tab's
        session storage.
      </p>
      <input
        type="password"
        name="token"
        autocomplete="off"
        placeholder="token"
        value={value}
        onInput={(e) => setValue((e.target as HTMLInputElement).value)}
      />
      <button type="submit" disabled={!value.trim()}>
        Use token
      </button>
    </form>
  );
}

function App() {
  const route = useRoute();
  const [needToken, setNeedToken] = useState(false);
  // Remount the pages after the token changes so they load again.
  const [epoch, setEpoch] = useState(0);
  useEffect(() => onUnauthorized(() => setNeedToken(true)), []);
  const job = /^\/jobs\/([a-z0-9_]+)$/.exec(route);
  return (
    <>
      <header>
        <a href="#/" class="brand">
          Clipzy
        </a>
        <nav>
          <a href="#/">Jobs</a>
          <a href="/api/v1/docs">API</a>
          {getToken() && (
            <button
              type="button"
              class="link"
              onClick={() => {
                setToken(undefined);
                setNeedToken(true);
              }}
            >
              Forget token
            </button>
          )}
        </nav>
      </header>
      <main key={epoch}>
        {needToken ? (
          <TokenForm
            onDone={() => {
              setNeedToken(false);
              setEpoch((n) => n + 1);
            }}
          />
        ) : job ? (
          // one component per job: moving from one job's page to another's keeps nothing of the first
          <JobPage key={job[1]} jobId={job[1]} />
        ) : (
          <div class="home">
            <NewJob />
            <JobsList />
          </div>
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
