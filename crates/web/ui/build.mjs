// Builds the UI bundle that the binary embeds: src/main.jsx -> ../assets/dist/app.{js,css}.
//
//   node build.mjs           write the bundle into ../assets/dist
//   node build.mjs --check   build into memory and fail when the committed bundle differs
//
// The bundle is committed so that `cargo run --release -- demo` works on a machine with no
// Node.js; CI rebuilds it (`--check`) to prove the committed files come from these sources.
import * as esbuild from "esbuild";
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join, basename } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, "..", "assets", "dist");
const check = process.argv.includes("--check");

const result = await esbuild.build({
  entryPoints: [join(here, "src", "main.jsx")],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  jsx: "automatic",
  jsxImportSource: "preact",
  loader: { ".png": "dataurl", ".svg": "dataurl" },
  legalComments: "eof",
  outdir,
  entryNames: "app",
  write: false,
  logLevel: "warning",
  define: { "process.env.NODE_ENV": '"production"' },
});

let stale = [];
for (const f of result.outputFiles) {
  const name = basename(f.path);
  if (check) {
    const old = existsSync(f.path) ? readFileSync(f.path) : null;
    if (!old || Buffer.compare(old, Buffer.from(f.contents)) !== 0) stale.push(name);
  } else {
    mkdirSync(outdir, { recursive: true });
    writeFileSync(f.path, f.contents);
    console.log(`${name}\t${(f.contents.length / 1024).toFixed(0)} KiB`);
  }
}
if (check) {
  if (stale.length) {
    console.error(`the committed UI bundle is stale: ${stale.join(", ")} (run: cd crates/web/ui && npm run build)`);
    process.exit(1);
  }
  console.log("UI bundle matches its sources");
}
