// The API origin, as the real frontend derives it: NEXT_PUBLIC_API_URL is
// inlined by Next.js at BUILD time (a run-time value has no effect), and the
// WebSocket URL is the same origin with the scheme swapped.
export const API_URL = process.env.NEXT_PUBLIC_API_URL || "http://localhost:8000";
export const WS_URL = API_URL.replace(/^http/, "ws");
