import { expect, test } from "bun:test";
import { ConfigError, exitCodeOf, NetworkError, ServerError, UsageError } from "../../src/index.ts";

const request = { method: "GET", path: "/users/me" };

test("each kind of error has one exit code", () => {
  expect(exitCodeOf(new ServerError("x", { status: 500, request }))).toBe(1);
  expect(exitCodeOf(new NetworkError("x", { request }))).toBe(1);
  expect(exitCodeOf(new UsageError("x"))).toBe(2);
  expect(exitCodeOf(new ConfigError("x"))).toBe(3);
  // A token the server rejects is the configuration's fault, whatever the call.
  expect(exitCodeOf(new ServerError("x", { status: 401, request }))).toBe(3);
  expect(exitCodeOf(new Error("x"))).toBe(1);
});

test("errors keep their class name, hint and details", () => {
  const error = new ServerError("nope", {
    status: 403,
    serverId: "api.context.permissions.app_error",
    request,
    hint: "add the bot",
  });
  expect(error.name).toBe("ServerError");
  expect(error.hint).toBe("add the bot");
  const again = error.rephrase("cannot post in ~x");
  expect(again).toBeInstanceOf(ServerError);
  expect([again.message, again.status, again.serverId, again.hint]).toEqual([
    "cannot post in ~x",
    403,
    "api.context.permissions.app_error",
    "add the bot",
  ]);
  // The server's own words stay reachable.
  expect(again.cause).toBe(error);
});
