/**
 * `bun run api`: the npm package's public surface, as API Extractor reads it from the declarations
 * a user's compiler gets, written to etc/mattermost-notify.api.md (commit it with the change).
 * `bun run api --check` (in `bun run lint`): the same, compared with the committed report; prints
 * the difference and fails when they differ, so that the surface changes only on purpose.
 * `--types DIR` analyses the declarations already in DIR instead of emitting them, and writes the
 * new report beside DIR (test/build/api-report.test.ts).
 * Undocumented names are marked `(undocumented)` in the report and do not fail the check.
 */
import { mkdir } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { Extractor, ExtractorConfig, type ExtractorMessage } from "@microsoft/api-extractor";
import { emitDeclarations } from "./declarations.ts";

const ROOT = join(import.meta.dir, "..");
const CONFIG = join(ROOT, "api-extractor.json");

const check = process.argv.includes("--check");
const at = process.argv.indexOf("--types");
const given = at < 0 ? undefined : process.argv[at + 1];
if (at >= 0 && !given) throw new Error("--types needs a directory");
const types = given ? resolve(given) : join(ROOT, "dist/api/types");
const reportDir = join(ROOT, "etc");
if (!given) await emitDeclarations(types);
await mkdir(reportDir, { recursive: true });

const entry = join(types, "index.d.ts");
const configObject = ExtractorConfig.loadFile(CONFIG);
configObject.mainEntryPointFilePath = entry;
configObject.apiReport = { ...configObject.apiReport, enabled: true, reportFolder: reportDir };
configObject.apiReport.reportTempFolder = dirname(types);
const { compiler } = configObject;
configObject.compiler = { ...compiler, overrideTsconfig: { ...compiler?.overrideTsconfig, files: [entry] } };

const config = ExtractorConfig.prepare({
  configObject,
  configObjectFullPath: CONFIG,
  packageJsonFullPath: join(ROOT, "package.json"),
});
const report = config.reportConfigs.map((r) => relative(ROOT, join(reportDir, r.fileName))).join(", ");

const result = Extractor.invoke(config, {
  localBuild: !check,
  printApiReportDiff: check,
  messageCallback(message: ExtractorMessage) {
    // Its notices (TypeScript's version, skipLibCheck) and its own advice on what to copy where.
    if (message.logLevel === "info" || message.logLevel === "verbose") message.handled = true;
    if (message.messageId === "console-api-report-not-copied") message.handled = true;
  },
});

if (result.errorCount > 0) {
  console.error(`API Extractor failed with ${result.errorCount} error(s)`);
  process.exit(1);
}
if (check && result.apiReportChanged) {
  console.error(
    `The public API differs from ${report} (above, - committed, + now).\n` +
      "If the change is meant, run `bun run api` and commit the report with it.",
  );
  process.exit(1);
}
console.log(check ? `API report up to date: ${report}` : `API report written: ${report}`);
