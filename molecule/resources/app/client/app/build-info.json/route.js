import { API_URL } from "../api";
import { VERSION } from "../version";

// What this build is: prerendered at build time, like the page.
export const dynamic = "force-static";

export function GET() {
  return Response.json({ version: VERSION, apiUrl: API_URL });
}
