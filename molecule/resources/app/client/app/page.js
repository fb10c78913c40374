import { API_URL } from "./api";
import ApiStatus from "./api-status";
import { VERSION } from "./version";

// Lab stand-in for the Podcast Digest page: its version, the API origin it
// was built for, and (in a browser) what that API answered.
export default function Home() {
  return (
    <main>
      <meta name="app-version" content={VERSION} />
      <meta name="api-url" content={API_URL} />
      <h1>Podcast Digest</h1>
      <p>
        Version <span id="version">{VERSION}</span>
      </p>
      <ApiStatus />
    </main>
  );
}
