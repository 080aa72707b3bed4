// Builds Flowbuilder's front-end assets into static/build/ (git-ignored; WhiteNoise serves them).
//   node frontend/build.mjs           one build
//   node frontend/build.mjs --watch   rebuild on change
// Outputs: shell.js (the app shell's behaviour), segment-builder.js, template-editor.js and
// journey-editor.js (+ journey-editor.css: React Flow's styles) (React;
// shared code lands in chunks/), and icons.svg (a sprite of the Lucide icons
// listed in frontend/icons.json, used by the {% icon %} template tag).
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "static", "build");
const watch = process.argv.includes("--watch");

function buildSprite() {
  const { icons } = JSON.parse(readFileSync(join(root, "frontend", "icons.json"), "utf8"));
  const symbols = icons.map((name) => {
    const file = join(root, "node_modules", "lucide-static", "icons", `${name}.svg`);
    let svg;
    try {
      svg = readFileSync(file, "utf8");
    } catch {
      throw new Error(`frontend/icons.json lists "${name}", but lucide-static has no such icon`);
    }
    const body = svg.slice(svg.indexOf(">", svg.indexOf("<svg")) + 1, svg.lastIndexOf("</svg>")).trim();
    return `<symbol id="i-${name}" viewBox="0 0 24 24">${body.replace(/\s*\n\s*/g, "")}</symbol>`;
  });
  const sprite = `<svg xmlns="http://www.w3.org/2000/svg">${symbols.join("")}</svg>\n`;
  writeFileSync(join(outdir, "icons.svg"), sprite);
  return icons.length;
}

const options = {
  entryPoints: {
    shell: join(root, "frontend", "shell", "index.js"),
    "segment-builder": join(root, "frontend", "segments", "builder.jsx"),
    "template-editor": join(root, "frontend", "templates", "editor.jsx"),
    "journey-editor": join(root, "frontend", "canvas", "index.jsx"),
  },
  outdir,
  bundle: true,
  format: "esm",
  target: ["es2020"],
  minify: !watch,
  jsx: "automatic",
  define: { "process.env.NODE_ENV": watch ? '"development"' : '"production"' },
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  sourcemap: watch ? "inline" : false,
  logLevel: "info",
};

mkdirSync(outdir, { recursive: true });
const count = buildSprite();
console.log(`icons.svg: ${count} icons`);
if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
} else {
  await esbuild.build(options);
}
