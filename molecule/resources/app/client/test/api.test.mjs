// The stand-in frontend's own tests (node --test), run by the test environment.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import test from "node:test";

test("the WebSocket URL is the API origin with the scheme swapped", () => {
  const source = readFileSync(new URL("../app/api.js", import.meta.url), "utf8");
  assert.match(source, /replace\(\/\^http\/, "ws"\)/);
});

test("the version is a release number", () => {
  const source = readFileSync(new URL("../app/version.js", import.meta.url), "utf8");
  assert.match(source, /VERSION = "\d+\.\d+\.\d+[^"]*"/);
});
