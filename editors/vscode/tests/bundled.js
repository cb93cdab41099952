// Tokenises every policy Pol ships (examples/, stdlib/, bench/ and the `pol` blocks of
// docs/language.md) with the TextMate grammar, as VS Code does, and fails on any token with an
// `invalid` scope, or a file that leaves a region (a string, a record body) open at its end.
// Run it with `npm test` in this folder, after `npm ci`.

"use strict";

const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const root = path.resolve(__dirname, "../../..");
const grammarPath = path.resolve(__dirname, "../syntaxes/pol.tmLanguage.json");

/** Every file below `dir` whose name ends in `.pol`, in sorted order. */
function polFiles(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      found.push(...polFiles(full));
    } else if (entry.name.endsWith(".pol")) {
      found.push(full);
    }
  }
  return found;
}

/** The texts to tokenise: each with a name to report and the line its text starts on. */
function samples() {
  const samples = [];
  for (const dir of ["examples", "stdlib", "bench"]) {
    for (const file of polFiles(path.join(root, dir))) {
      samples.push({ name: path.relative(root, file), firstLine: 1, text: fs.readFileSync(file, "utf8") });
    }
  }
  const doc = "docs/language.md";
  const lines = fs.readFileSync(path.join(root, doc), "utf8").split("\n");
  for (let idx = 0; idx < lines.length; idx++) {
    if (lines[idx].trim() !== "```pol") {
      continue;
    }
    const start = idx + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== "```") {
      end++;
    }
    samples.push({ name: doc, firstLine: start + 1, text: lines.slice(start, end).join("\n") });
    idx = end;
  }
  return samples;
}

async function main() {
  const wasm = fs.readFileSync(path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === "source.pol"
        ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath)
        : null,
  });
  const grammar = await registry.loadGrammar("source.pol");

  const problems = [];
  const all = samples();
  let nLines = 0;
  for (const sample of all) {
    let stack = vsctm.INITIAL;
    const lines = sample.text.replace(/^\uFEFF/, "").split(/\r?\n/);
    lines.forEach((line, idx) => {
      nLines++;
      const result = grammar.tokenizeLine(line, stack, 1000);
      if (result.stoppedEarly) {
        problems.push(`${sample.name}:${sample.firstLine + idx}: tokenising took over a second`);
      }
      for (const token of result.tokens) {
        const invalid = token.scopes.find((scope) => scope.startsWith("invalid"));
        if (invalid) {
          const column = token.startIndex + 1;
          const text = line.slice(token.startIndex, token.endIndex);
          problems.push(`${sample.name}:${sample.firstLine + idx}:${column}: \`${text}\` is ${invalid}`);
        }
      }
      stack = result.ruleStack;
    });
    // The root rule of the grammar is one frame: anything deeper is a region left open.
    if (stack.depth > 1) {
      problems.push(`${sample.name}: a region is still open at the end of the text (depth ${stack.depth})`);
    }
  }

  if (all.length < 4) {
    problems.push(`only ${all.length} sample(s) found: the repository's policies were not reached from ${root}`);
  }
  for (const problem of problems) {
    console.error(problem);
  }
  console.log(`bundled policies: ${all.length} texts, ${nLines} lines tokenised, ${problems.length} problem(s)`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
