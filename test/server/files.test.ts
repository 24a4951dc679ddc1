// The test server's own behaviour, through plain fetch. Uploads: files, their parts and their limits.
import { describe, expect, test } from "bun:test";
import type { FileUploadResponse } from "@mattermost/types/files";
import { anyId, appError, form, useTestServer } from "./fetching.ts";
import { startTestServer } from "./index.ts";

const { server: s, call } = useTestServer();

describe("files", () => {
  test("an upload is stored byte for byte and recorded part by part", async () => {
    const bytes = new Uint8Array(3 * 1024 * 1024 + 7).map((_, i) => (i * 31) % 251);
    const r = await call("POST", "/files", {
      raw: form([
        ["channel_id", s.channels.general.id],
        ["client_ids", "c1"],
        ["client_ids", "c2"],
        ["files", new Blob([bytes]), "data.bin"],
        ["files", new Blob(["two"]), "dir/notes.TXT"],
      ]),
    });
    expect(r.status).toBe(201);
    const res = r.body as FileUploadResponse;
    expect(res.client_ids).toEqual(["c1", "c2"]);
    expect(res.file_infos).toEqual([
      expect.objectContaining({
        id: anyId,
        user_id: s.bot.id,
        channel_id: s.channels.general.id,
        name: "data.bin",
        extension: "bin",
        size: bytes.length,
        mime_type: "application/octet-stream",
        has_preview_image: false,
        delete_at: 0,
      }),
      expect.objectContaining({ name: "notes.TXT", extension: "txt", size: 3, mime_type: "text/plain" }),
    ]);
    expect(res.file_infos[0]).not.toHaveProperty("post_id");
    const stored = s.files.get(res.file_infos[0]?.id ?? "");
    expect(stored?.content.equals(Buffer.from(bytes))).toBe(true);
    expect(s.files.get(res.file_infos[1]?.id ?? "")?.content.toString()).toBe("two");
    expect(s.requests.at(-1)?.multipart).toEqual({
      fields: [
        { name: "channel_id", value: s.channels.general.id },
        { name: "client_ids", value: "c1" },
        { name: "client_ids", value: "c2" },
      ],
      files: [
        { field: "files", filename: "data.bin", size: bytes.length, contentType: "application/octet-stream" },
        { field: "files", filename: "notes.TXT", size: 3, contentType: "application/octet-stream" },
      ],
      order: ["channel_id", "client_ids", "client_ids", "files", "files"],
    });
  });

  test("files before channel_id are 400 (strict mode); a lenient server takes them", async () => {
    const parts = (): FormData =>
      form([
        ["files", new Blob(["x"]), "a.txt"],
        ["channel_id", s.channels.general.id],
      ]);
    const r = await call("POST", "/files", { raw: parts() });
    expect(r.status).toBe(400);
    expect(r.body).toEqual(
      appError(
        "api.file.upload_file.read_request.app_error",
        "Unable to upload file(s). Error reading or parsing request data.",
        400,
        "test server: the channel_id field must come before the files parts",
      ),
    );
    expect(s.files.size).toBe(0);
    const lenient = await startTestServer({ strictMultipartOrder: false });
    try {
      const ok = await call("POST", "/files", {
        raw: form([
          ["files", new Blob(["x"]), "a.txt"],
          ["channel_id", lenient.channels.general.id],
        ]),
        server: lenient,
      });
      expect(ok.status).toBe(201);
      expect((ok.body as FileUploadResponse).file_infos[0]).toMatchObject({
        channel_id: lenient.channels.general.id,
        size: 1,
      });
    } finally {
      await lenient.close();
    }
  });

  test("channel permission, unknown fields and client_ids counts", async () => {
    const noBot = await call("POST", "/files", {
      raw: form([
        ["channel_id", s.channels.noBot.id],
        ["files", new Blob(["x"]), "a.txt"],
      ]),
    });
    expect(noBot.status).toBe(403);
    expect(noBot.body).toEqual(
      appError("api.context.permissions.app_error", "You do not have the appropriate permissions.", 403),
    );
    const unknown = await call("POST", "/files", {
      raw: form([
        ["channel_id", s.channels.general.id],
        ["colour", "red"],
      ]),
    });
    expect(unknown.body).toEqual(
      appError("api.context.invalid_body_param.app_error", "Invalid or missing colour in request body.", 400),
    );
    const count = await call("POST", "/files", {
      raw: form([
        ["channel_id", s.channels.general.id],
        ["client_ids", "a"],
        ["client_ids", "b"],
        ["files", new Blob(["x"]), "a.txt"],
      ]),
    });
    expect(count.body).toEqual(
      appError(
        "api.file.upload_file.incorrect_number_of_client_ids.app_error",
        "Unable to upload file(s). Have 2 client_ids for 1 files.",
        400,
      ),
    );
  });

  test("a file over MaxFileSize, and a request over MaxFileSize + 512, are 413", async () => {
    const small = await startTestServer({ maxFileSize: 1000 });
    try {
      const file = await call("POST", "/files", {
        server: small,
        raw: form([
          ["channel_id", small.channels.general.id],
          ["files", new Blob([new Uint8Array(1001)]), "big.log"],
        ]),
      });
      expect(file.status).toBe(413);
      expect(file.body).toEqual(
        appError(
          "api.file.upload_file.too_large_detailed.app_error",
          "Unable to upload file big.log. 1001 bytes exceeds the maximum allowed 1000 bytes.",
          413,
        ),
      );
      // Far over the limit: still the per-file answer, however the body is cut into chunks.
      const huge = await call("POST", "/files", {
        server: small,
        raw: form([
          ["channel_id", small.channels.general.id],
          ["files", new Blob([new Uint8Array(5_000_000)]), "huge.log"],
        ]),
      });
      expect(huge.body).toEqual(
        appError(
          "api.file.upload_file.too_large_detailed.app_error",
          "Unable to upload file huge.log. 1001 bytes exceeds the maximum allowed 1000 bytes.",
          413,
        ),
      );
      const exact = await call("POST", "/files", {
        server: small,
        raw: form([
          ["channel_id", small.channels.general.id],
          ["files", new Blob([new Uint8Array(1000)]), "ok.log"],
        ]),
      });
      expect(exact.status).toBe(201);
      // Two files of 900 bytes: each under the limit, the request over it.
      const many = await call("POST", "/files", {
        server: small,
        raw: form([
          ["channel_id", small.channels.general.id],
          ["files", new Blob([new Uint8Array(900)]), "a.log"],
          ["files", new Blob([new Uint8Array(900)]), "b.log"],
        ]),
      });
      expect(many.status).toBe(413);
      expect(many.body).toMatchObject({ id: "api.file.upload_file.too_large_detailed.app_error", status_code: 413 });
      // The connection stays usable after an early answer.
      expect((await call("GET", "/users/me", { server: small })).status).toBe(200);
    } finally {
      await small.close();
    }
  });

  test("a raw body upload with channel_id and filename in the query", async () => {
    const r = await call("POST", `/files?channel_id=${s.channels.general.id}&filename=raw.txt&client_id=k`, {
      raw: "raw bytes",
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ file_infos: [{ name: "raw.txt", size: 9 }], client_ids: ["k"] });
    const noChannel = await call("POST", "/files", { raw: "raw bytes" });
    expect(noChannel.body).toEqual(
      appError(
        "api.context.invalid_url_param.app_error",
        "Invalid or missing channel_id parameter in request URL.",
        400,
      ),
    );
  });
});
